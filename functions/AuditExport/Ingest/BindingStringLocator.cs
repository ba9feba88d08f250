using System.Text.Json;

namespace AuditExport.Ingest;

/// <summary>
/// Finds <c>Data.{binding}</c> in an invocation body when it is one string (how the host passes a batch of binary
/// events), so the body can be parsed without it and the string read by <see cref="JsonStringScanner"/>. The names are
/// matched as the document's reader matches them (the first property equal without regard to case), and whatever is not
/// the host's shape, or is not plainly valid, is left to the JSON document: the locator then answers false.
/// </summary>
public static class BindingStringLocator
{
    private static readonly JsonReaderOptions AnyDepth = new() { MaxDepth = EventHubInvocationReader.AnyDepth.MaxDepth };

    /// <summary>The positions of the string's opening and closing quotes in <paramref name="json"/>.</summary>
    public static bool TryLocate(ReadOnlySpan<byte> json, string bindingName, out int openingQuote, out int closingQuote)
    {
        (openingQuote, closingQuote) = (-1, -1);
        try
        {
            var reader = new Utf8JsonReader(json, AnyDepth);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !MoveToProperty(ref reader, "Data")
                || !reader.Read() || reader.TokenType != JsonTokenType.StartObject || !MoveToProperty(ref reader, bindingName))
            {
                return false;
            }
            // The reader has consumed the property name and its colon; the value starts after any whitespace.
            var start = (int)reader.BytesConsumed;
            start += json[start..].IndexOfAnyExcept(" \t\r\n"u8) is var skip and >= 0 ? skip : json.Length - start;
            openingQuote = start;
            return JsonStringScanner.TryFindEnd(json, start, out closingQuote);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON before the string, or a name that is not text (a lone surrogate escape): the document's parse
            // meets it too and answers as it always has.
            return false;
        }
    }

    /// <summary>
    /// Reads the object's properties up to the first whose name equals <paramref name="name"/> without regard to case;
    /// false at the end of the object.
    /// </summary>
    private static bool MoveToProperty(ref Utf8JsonReader reader, string name)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name) || string.Equals(reader.GetString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
