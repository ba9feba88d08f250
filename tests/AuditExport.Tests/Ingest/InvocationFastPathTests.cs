using System.Text;
using System.Text.Json;
using AuditExport.Hosting;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using AuditExport.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AuditExport.Tests.Ingest;

/// <summary>
/// Reading an invocation with the one-string batch cut out (<see cref="BindingStringLocator"/>,
/// <see cref="JsonStringScanner"/>) and its base64 runs read where they stand (<see cref="Base64BatchFastPath"/>) must
/// give exactly what parsing the whole body gives: the same elements, bytes, metadata, errors and warnings, and a
/// JsonException for the same bodies. Where a fast path is not sure it defers, and it must answer for the host's own
/// bodies, or it saves nothing.
/// </summary>
public class InvocationFastPathTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_string_scanner_finds_the_end_the_JSON_reader_finds_or_defers_on_a_hundred_thousand_mutated_strings()
    {
        var random = new Random(2801);
        byte[][] pieces = ["\\\""u8.ToArray(), "\\\\"u8.ToArray(), "\\u00e9"u8.ToArray(), "\\uD800"u8.ToArray(), "\\u12"u8.ToArray(), "\\/"u8.ToArray(),
            "\\n"u8.ToArray(), "\\x"u8.ToArray(), "\\"u8.ToArray(), "\""u8.ToArray(), "a"u8.ToArray(), "Zz+/="u8.ToArray(), " "u8.ToArray(), [0x01], [0x1F], [0x7F],
            [0xC3, 0xA9], [0xFF], "é"u8.ToArray()];
        var answered = 0;
        for (var n = 0; n < 100_000; n++)
        {
            var token = new List<byte> { (byte)'"' };
            for (var k = random.Next(0, 12); k > 0; k--)
            {
                token.AddRange(pieces[random.Next(pieces.Length)]);
            }
            if (random.Next(4) > 0)
            {
                token.Add((byte)'"');
            }
            var json = new byte[token.Count + 2];
            json[0] = (byte)'[';
            token.CopyTo(json, 1);
            json[^1] = (byte)']';

            if (!JsonStringScanner.TryFindEnd(json, 1, out var closingQuote))
            {
                continue;
            }
            answered++;
            var reader = new Utf8JsonReader(json);
            reader.Read();
            Assert.True(reader.Read(), Encoding.UTF8.GetString(json));
            Assert.Equal(JsonTokenType.String, reader.TokenType);
            Assert.Equal(closingQuote + 1, (int)reader.BytesConsumed);
        }
        Assert.True(answered > 20_000, $"answered {answered}");
    }

    [Theory]
    [InlineData("[]", 0)]
    [InlineData(" [ ] ", 0)]
    [InlineData("[\\\"\\\"]", 1)]
    [InlineData("[\\\"QUJD\\\",\\\"RA==\\\"]", 2)]
    [InlineData("[ \\\"QUJD\\\" , \\\"RA==\\\" ]", 2)]
    [InlineData("[\\\"not base64!\\\"]", -1)] // not the alphabet: the general path decides
    [InlineData("[\\u0022QUJD\\u0022]", -1)] // System.Text.Json's escaping, not the host's
    [InlineData("[\\\"QU\\/D\\\"]", -1)]
    [InlineData("[\\\"QUJD\\\",]", -1)]
    [InlineData("[\\\"QUJD\\\"", -1)]
    [InlineData("\\n[]", -1)]
    [InlineData("{}", -1)]
    public void The_base64_fast_path_answers_only_for_the_hosts_shape(string text, int runs)
    {
        var quoted = Encoding.UTF8.GetBytes("\"" + text + "\"");
        Assert.Equal(runs >= 0, Base64BatchFastPath.TryRead(quoted, out var found));
        if (runs >= 0)
        {
            Assert.Equal(runs, found.Count);
        }
    }

    [Fact]
    public async Task A_host_body_is_cut_and_read_by_the_fast_paths()
    {
        var body = EventHubInvocation.Serialize(EventHubInvocation.Create([Encoding.UTF8.GetBytes(Samples.Event("a")), [0xFF, 0xFE, 0x00]], "1", 7, Now, dataType: "binary"));

        using var invocation = await ReadAsync(body, 64 * 1024);

        Assert.False(invocation.EventsString.IsEmpty);
        Assert.Equal("", invocation.Data.GetProperty("events").GetString());
        Assert.True(Base64BatchFastPath.TryRead(invocation.EventsString.Span, out var runs));
        Assert.Equal(2, runs.Count);
        var batch = Read(invocation, int.MaxValue, []).Single();
        Assert.Equal([0xFF, 0xFE, 0x00], batch.Elements[1].Body.ToArray());
        Assert.Equal(8, batch.Elements[1].SequenceNumber);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_past_the_cut_string_fails_with_the_whole_bodys_message()
    {
        var body = Encoding.UTF8.GetBytes("{\"Data\":{\"events\":\"[\\\"QUJD\\\"]\"},\"Metadata\":{\"x\":tru}}");
        var whole = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));

        var cut = await Assert.ThrowsAnyAsync<JsonException>(() => ReadAsync(body, 64 * 1024));

        Assert.Equal(whole.Message, cut.Message);
    }

    [Fact]
    public async Task Reading_with_the_batch_cut_out_gives_what_parsing_the_whole_body_gives_on_twenty_thousand_mutated_invocations()
    {
        var random = new Random(2802);
        byte[][] edits = ["\\"u8.ToArray(), "\""u8.ToArray(), "\\\""u8.ToArray(), "\\u0022"u8.ToArray(), "\\uD800"u8.ToArray(), "\\/"u8.ToArray(), "\\n"u8.ToArray(),
            " "u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), "{}"u8.ToArray(), ":"u8.ToArray(), "="u8.ToArray(), "A"u8.ToArray(),
            "+"u8.ToArray(), [0x01], [0xC3, 0xA9], [0xFF], "\"events\":1,"u8.ToArray(), "\"EVENTS\":\"[]\","u8.ToArray()];
        var (cutAndFast, cut, throwing) = (0, 0, 0);
        for (var n = 0; n < 20_000; n++)
        {
            var messages = Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomBytes(random)).ToList();
            var invocation = EventHubInvocation.Create(messages, random.Next(5) == 0 ? null : "3", random.Next(5) == 0 ? null : 40, Now, dataType: "binary");
            var body = random.Next(3) == 0 ? JsonSerializer.SerializeToUtf8Bytes(invocation) : EventHubInvocation.Serialize(invocation);
            body = Mutate(body, random, edits);
            var threshold = n % 97 == 0 ? 64 : 64 * 1024; // now and then spooled to a file
            var maxPartBytes = random.Next(2) == 0 ? int.MaxValue : random.Next(1, 80);

            var expected = Describe(() => WholeBody(body, maxPartBytes));
            string actual;
            try
            {
                using var read = await ReadAsync(body, threshold);
                if (!read.EventsString.IsEmpty)
                {
                    cut++;
                    cutAndFast += Base64BatchFastPath.TryRead(read.EventsString.Span, out _) ? 1 : 0;
                }
                actual = Describe(() => { var warnings = new List<string>(); return (Read(read, maxPartBytes, warnings), warnings); });
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                actual = Threw(e);
                throwing++;
            }
            Assert.True(expected == actual, $"{Encoding.UTF8.GetString(body)}\nexpected {expected}\nactual   {actual}");
        }
        Assert.True(cutAndFast > 5_000 && cut > cutAndFast && throwing > 1_000, $"cut {cut}, of which the fast path read {cutAndFast}; not JSON {throwing}");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 40)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(byte[] body, Random random, byte[][] edits)
    {
        var bytes = body.ToList();
        for (var k = random.Next(0, 3); k > 0; k--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0:
                    bytes.RemoveAt(at);
                    break;
                case 1:
                    bytes.InsertRange(at, edits[random.Next(edits.Length)]);
                    break;
                default:
                    bytes.RemoveAt(at);
                    bytes.InsertRange(at, edits[random.Next(edits.Length)]);
                    break;
            }
        }
        return [.. bytes];
    }

    private static async Task<InvocationBody> ReadAsync(byte[] body, int threshold)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = body.Length;
        return await InvocationBody.ReadAsync(context.Request, threshold, "events", default);
    }

    private static List<EventHubBatch> Read(InvocationBody invocation, int maxPartBytes, List<string> warnings) =>
        [.. EventHubInvocationReader.ReadParts(invocation.Data, invocation.Metadata, "events", warnings, maxPartBytes, 64 * 1024, EventBodyEncoding.Base64, invocation.EventsString)];

    /// <summary>As before the cut: the whole body parsed, Data and Metadata the first properties so named in any case.</summary>
    private static (List<EventHubBatch>, List<string>) WholeBody(byte[] body, int maxPartBytes)
    {
        using var document = JsonDocument.Parse(body, EventHubInvocationReader.AnyDepth);
        JsonElement Property(string name) => document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement.EnumerateObject().FirstOrDefault(p => p.NameEquals(name) || string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value
            : default;
        var warnings = new List<string>();
        return ([.. EventHubInvocationReader.ReadParts(Property("Data"), Property("Metadata"), "events", warnings, maxPartBytes, 64 * 1024, EventBodyEncoding.Base64)], warnings);
    }

    private static string Describe(Func<(List<EventHubBatch> Parts, List<string> Warnings)> read)
    {
        try
        {
            var (parts, warnings) = read();
            return string.Join(" | ", warnings) + " || " + string.Join(" / ", parts.Select(p => $"{p.PartitionId}@{p.FirstIndex}: " + string.Join(", ",
                p.Elements.Select(e => $"{e.Index}={Convert.ToHexString(e.Body.Span)};{e.SequenceNumber};{e.Offset};{e.EnqueuedTimeUtc:O};{e.ReadError?.Kind}:{e.ReadError?.Text}"))));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return Threw(e);
        }
    }

    /// <summary>Not JSON, or a name that is not text (a lone surrogate escape): thrown the same by either way.</summary>
    private static string Threw(Exception e) => $"threw {e.GetType().Name}";
}
