using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using AuditExport.Ingest;

namespace AuditExport.Tests.Ingest;

public sealed class JsonStringUnescaperTests
{
    private static byte[] Unescape(string quotedJson)
    {
        Assert.True(JsonStringUnescaper.TryUnescape(Encoding.UTF8.GetBytes(quotedJson), out var utf8), quotedJson);
        return utf8.ToArray();
    }

    [Theory]
    [InlineData("\"\"", "")]
    [InlineData("\"plain text, no escapes\"", "plain text, no escapes")]
    [InlineData("\"\\\"q\\\\b\\/s\\b\\f\\n\\r\\t\"", "\"q\\b/s\b\f\n\r\t")]
    [InlineData("\"\\u0022\\u0027\\u003C\\u003e\\u0026\\u0000\"", "\"'<>&\0")] // how System.Text.Json escapes by default; hex in either case
    [InlineData("\"caf\\u00e9 \\u20AC \\u4e2d\"", "café € 中")]
    [InlineData("\"\\ud83d\\ude00 and \\uD834\\uDD1E\"", "😀 and 𝄞")]
    [InlineData("\"raw UTF-8 stays: é € 😀\"", "raw UTF-8 stays: é € 😀")]
    public void Every_escape_becomes_its_UTF8(string quotedJson, string expected)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(expected), Unescape(quotedJson));
    }

    [Theory]
    [InlineData("\"\\ud83d\"")] // high surrogate at the end
    [InlineData("\"\\ud83d x\"")] // high surrogate followed by text
    [InlineData("\"\\ud83d\\u0041\"")] // high surrogate followed by a non-surrogate escape
    [InlineData("\"\\ude00\"")] // low surrogate alone
    [InlineData("\"\\ud83d\\ud83d\"")] // two highs
    public void A_lone_surrogate_is_refused(string quotedJson)
    {
        Assert.False(JsonStringUnescaper.TryUnescape(Encoding.UTF8.GetBytes(quotedJson), out _));
    }

    [Fact]
    public void Agrees_with_the_JSON_reader_on_text_escaped_by_both_common_encoders()
    {
        var random = new Random(7);
        var alphabet = "abc \"\\/'<>&\n\r\t\b\féü€中😀\u0001\u001f\u007f".EnumerateRunes().Select(r => r.ToString()).ToArray();
        foreach (var encoder in new[] { JavaScriptEncoder.Default, JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
        {
            for (var i = 0; i < 500; i++)
            {
                var text = string.Concat(Enumerable.Range(0, random.Next(0, 80)).Select(_ => alphabet[random.Next(alphabet.Length)]));
                var quoted = JsonSerializer.SerializeToUtf8Bytes(text, new JsonSerializerOptions { Encoder = encoder });

                var reader = new Utf8JsonReader(quoted);
                reader.Read();
                var expected = new byte[reader.ValueSpan.Length];
                var length = reader.CopyString(expected);

                Assert.True(JsonStringUnescaper.TryUnescape(quoted, out var actual));
                Assert.Equal(expected[..length], actual.ToArray());
            }
        }
    }
}
