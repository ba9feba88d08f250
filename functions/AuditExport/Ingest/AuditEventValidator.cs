using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace AuditExport.Ingest;

/// <summary>
/// Decides whether the bytes of one JSON object are a storable audit event: valid UTF-8 JSON within the
/// size limit, a non-empty string <c>id</c>, and a timestamp from <c>eventTimestamp</c>,
/// <c>receivedTimestamp</c> or legacy <c>dateTime</c> (ISO-8601 with any offset, or epoch milliseconds as
/// a number or string). Immuta's legacy field table spells <c>ID</c>, <c>DateTime</c> and <c>Month</c>; those
/// spellings are read as <c>id</c>, <c>dateTime</c> and <c>month</c>. A legacy <c>month</c> (months since January
/// 1900, from 0: 2021-04 is 1455) must agree with <c>dateTime</c>. Only those fields are read; the rest of the event
/// is kept as it is.
/// </summary>
public sealed partial class AuditEventValidator(int maxEventBytes, TimeProvider clock)
{
    public const int MaxIdLength = 1024;
    public const int MaxDepth = 64;
    public static readonly DateTimeOffset EarliestTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromDays(1);
    private static readonly string[] TimestampFields = ["eventTimestamp", "receivedTimestamp", "dateTime"];

    public int MaxEventBytes => maxEventBytes;

    /// <summary>Null when valid; otherwise the reason, specific enough for an operator to act on, and its kind.</summary>
    public Rejection? Validate(ReadOnlySpan<byte> raw, out string id, out DateTimeOffset timestamp)
    {
        id = "";
        timestamp = default;
        if (raw.Length > maxEventBytes)
        {
            return new(RejectionKind.TooLarge, $"event is {raw.Length} bytes; the limit (MaxEventBytes) is {maxEventBytes}");
        }
        if (!Utf8.IsValid(raw))
        {
            return new(RejectionKind.Encoding, "event is not valid UTF-8");
        }

        string? idValue = null;
        string? idSpelling = null;
        TimestampToken? month = null;
        var timestampValues = new TimestampToken?[TimestampFields.Length];
        try
        {
            var reader = new Utf8JsonReader(raw, new JsonReaderOptions { MaxDepth = MaxDepth });
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return new(RejectionKind.InvalidJson, $"event is a JSON {Describe(reader.TokenType)}, not an object");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var spelling = reader.ValueTextEquals("id"u8) ? "id" : reader.ValueTextEquals("ID"u8) ? "ID" : null;
                var isMonth = spelling is null && (reader.ValueTextEquals("month"u8) || reader.ValueTextEquals("Month"u8));
                var field = spelling is not null || isMonth ? -1 : TimestampFieldIndex(ref reader);
                reader.Read();
                if (isMonth)
                {
                    if (month is not null)
                    {
                        return new(RejectionKind.InvalidTimestamp, "event has more than one 'month' property");
                    }
                    month = TimestampToken.Read(ref reader);
                    continue;
                }
                if (spelling is not null)
                {
                    if (idSpelling is not null)
                    {
                        return new(RejectionKind.InvalidId, idSpelling == spelling ? "event has more than one 'id' property" : "event has both 'id' and 'ID'");
                    }
                    idSpelling = spelling;
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return new(RejectionKind.InvalidId, $"'id' is a JSON {Describe(reader.TokenType)}, not a string");
                    }
                    idValue = reader.GetString();
                }
                else if (field >= 0)
                {
                    if (timestampValues[field] is not null)
                    {
                        return new(RejectionKind.InvalidTimestamp, $"event has more than one '{TimestampFields[field]}' property");
                    }
                    timestampValues[field] = TimestampToken.Read(ref reader);
                    continue;
                }
                reader.Skip();
            }
            while (reader.Read())
            {
                // Reading to the end makes the reader check what follows the object.
            }
        }
        catch (JsonException e)
        {
            return new(RejectionKind.InvalidJson, DescribeJsonError(e));
        }
        catch (InvalidOperationException e)
        {
            return new(RejectionKind.Encoding, "event text cannot be decoded: " + e.Message);
        }

        if (idSpelling is null)
        {
            return new(RejectionKind.InvalidId, "event has no 'id'");
        }
        if (string.IsNullOrWhiteSpace(idValue))
        {
            return new(RejectionKind.InvalidId, "'id' is empty");
        }
        if (idValue.Length > MaxIdLength)
        {
            return new(RejectionKind.InvalidId, $"'id' is {idValue.Length} characters; the limit is {MaxIdLength}");
        }
        if (idValue.Any(char.IsControl))
        {
            return new(RejectionKind.InvalidId, "'id' contains control characters");
        }

        var first = Array.FindIndex(timestampValues, t => t is not null);
        if (first < 0)
        {
            return new(RejectionKind.InvalidTimestamp, "event has no timestamp (eventTimestamp, receivedTimestamp or dateTime)");
        }
        var reason = ReadTimestamp(TimestampFields[first], timestampValues[first]!.Value, out timestamp);
        if (reason is not null)
        {
            return new(RejectionKind.InvalidTimestamp, reason);
        }
        if (month is { } legacyMonth)
        {
            var dateTime = timestamp;
            var against = TimestampFields[first];
            if (first != DateTimeField && timestampValues[DateTimeField] is { } legacy && ReadTimestamp(TimestampFields[DateTimeField], legacy, out var legacyTime) is null)
            {
                (dateTime, against) = (legacyTime, TimestampFields[DateTimeField]);
            }
            reason = CheckMonth(legacyMonth, dateTime, against);
            if (reason is not null)
            {
                return new(RejectionKind.InvalidTimestamp, reason);
            }
        }
        id = idValue;
        return null;
    }

    private const int DateTimeField = 2;

    /// <summary>Months since January 1900, counted from 0, as Immuta's legacy records count them.</summary>
    public static int LegacyMonth(DateTimeOffset t) => (t.UtcDateTime.Year - 1900) * 12 + t.UtcDateTime.Month - 1;

    private static string? CheckMonth(TimestampToken month, DateTimeOffset timestamp, string against)
    {
        if (month.Kind is not (JsonTokenType.Number or JsonTokenType.String) || !int.TryParse(month.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return month.Kind is JsonTokenType.Number or JsonTokenType.String
                ? $"'month' {Shorten(month.Text)} is not a whole number of months since January 1900"
                : $"'month' is a JSON {DescribeValue(month.Kind)}, not a number";
        }
        var expected = LegacyMonth(timestamp);
        return value == expected
            ? null
            : $"'month' {value} contradicts '{against}' {timestamp.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} (month {expected}, {timestamp.UtcDateTime:yyyy-MM})";
    }

    private static int TimestampFieldIndex(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("eventTimestamp"u8) ? 0 : reader.ValueTextEquals("receivedTimestamp"u8) ? 1
        : reader.ValueTextEquals("dateTime"u8) || reader.ValueTextEquals("DateTime"u8) ? DateTimeField : -1;

    /// <summary>A timestamp property's value as read, without building a document for it.</summary>
    private readonly record struct TimestampToken(JsonTokenType Kind, string Text)
    {
        public static TimestampToken Read(ref Utf8JsonReader reader)
        {
            var kind = reader.TokenType;
            var text = kind switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan), // numbers carry no escapes
                _ => "",
            };
            reader.Skip(); // past an object or array; a no-op on a scalar
            return new TimestampToken(kind, text);
        }
    }

    private string? ReadTimestamp(string field, TimestampToken value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        switch (value.Kind)
        {
            case JsonTokenType.Number:
                if (!long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return $"'{field}' {Shorten(value.Text)} is not a whole number of epoch milliseconds";
                }
                return FromEpochMilliseconds(field, number, out timestamp);
            case JsonTokenType.String:
                var text = value.Text;
                if (IsEpochDigits(text))
                {
                    return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
                        ? FromEpochMilliseconds(field, ms, out timestamp)
                        : $"'{field}' {Shorten(text)} is out of range";
                }
                if (!TryParseIso8601(text, out timestamp))
                {
                    return $"'{field}' \"{Shorten(text)}\" is neither ISO-8601 nor epoch milliseconds";
                }
                return CheckRange(field, text, timestamp);
            default:
                return $"'{field}' is a JSON {DescribeValue(value.Kind)}, not a timestamp";
        }
    }

    private string? FromEpochMilliseconds(string field, long ms, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (ms < EarliestTimestamp.ToUnixTimeMilliseconds())
        {
            var hint = ms > 0 && ms < 100_000_000_000 ? " (epoch seconds instead of milliseconds?)" : "";
            return $"'{field}' {ms} is before {EarliestTimestamp:yyyy-MM-dd}{hint}";
        }
        if (ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return $"'{field}' {ms} is out of range";
        }
        timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return CheckRange(field, ms.ToString(CultureInfo.InvariantCulture), timestamp);
    }

    private string? CheckRange(string field, string text, DateTimeOffset timestamp)
    {
        if (timestamp < EarliestTimestamp)
        {
            return $"'{field}' {Shorten(text)} is before {EarliestTimestamp:yyyy-MM-dd}";
        }
        if (timestamp > clock.GetUtcNow() + MaxFutureSkew)
        {
            return $"'{field}' {Shorten(text)} is more than {MaxFutureSkew.TotalHours:0} hours in the future";
        }
        return null;
    }

    /// <summary>ISO-8601 date-time; offset optional (UTC assumed); fractions beyond 100 ns are truncated.</summary>
    internal static bool TryParseIso8601(string text, out DateTimeOffset value) =>
        Iso8601FastPath.TryParse(text, out value) || TryParseIso8601General(text, out value);

    /// <summary>
    /// The definition of what is accepted: the pattern, then the BCL's parser. <see cref="Iso8601FastPath"/> answers the
    /// common shapes without it (the pattern and the BCL's culture-aware parser took about 70 % of validation, profiled)
    /// and defers everything it is not sure of to this; Iso8601FastPathTests compares the two on 100,000 mutated timestamps.
    /// </summary>
    internal static bool TryParseIso8601General(string text, out DateTimeOffset value)
    {
        value = default;
        var match = Iso8601().Match(text);
        if (!match.Success)
        {
            return false;
        }
        var fraction = match.Groups["fraction"].Value;
        if (fraction.Length > 8)
        {
            text = text.Remove(match.Groups["fraction"].Index + 8, fraction.Length - 8); // '.' plus 7 digits
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>The pattern <c>\A-?[0-9]+\z</c>, without a regular expression.</summary>
    private static bool IsEpochDigits(string text)
    {
        var digits = text.AsSpan(text.StartsWith('-') ? 1 : 0);
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
    }

    private static string DescribeJsonError(JsonException e)
    {
        if (e.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"JSON nesting is deeper than {MaxDepth} levels";
        }
        if (e.Message.Contains("Expected depth to be zero", StringComparison.Ordinal))
        {
            return "invalid JSON: truncated (an object or array is not closed)";
        }
        var where = e.BytePositionInLine is long pos ? $" at byte {pos}" : "";
        var what = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
        return $"invalid JSON{where}: {what}";
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
    };

    private static string DescribeValue(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => Describe(token),
    };

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;

    [GeneratedRegex(@"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(?<fraction>\.[0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\z")]
    private static partial Regex Iso8601();
}
