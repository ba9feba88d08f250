using System.Buffers.Text;
using System.Text;

namespace AuditExport.Ingest;

/// <summary>
/// Unescapes a JSON string token that a <see cref="System.Text.Json.JsonDocument"/> has already validated, straight
/// into UTF-8. The document checked the escapes and the UTF-8, so this only copies runs between backslashes;
/// <see cref="System.Text.Json.Utf8JsonReader.CopyString(Span{byte})"/> would validate the token a second
/// time, which cost more CPU than validating the event inside it.
/// </summary>
public static class JsonStringUnescaper
{
    /// <summary>
    /// <paramref name="quoted"/> is the raw token, quotes included. Returns false when the text holds a lone
    /// surrogate escape, which no UTF-8 can represent.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<byte> quoted, out ReadOnlyMemory<byte> utf8)
    {
        var output = new byte[quoted.Length - 2]; // an escape is never shorter than the UTF-8 it stands for
        if (TryUnescape(quoted, output, out var written))
        {
            utf8 = output.AsMemory(0, written);
            return true;
        }
        utf8 = default;
        return false;
    }

    /// <summary>As above, into <paramref name="output"/>, which must hold at least the token's length less its quotes.</summary>
    public static bool TryUnescape(ReadOnlySpan<byte> quoted, Span<byte> output, out int written)
    {
        var input = quoted[1..^1];
        written = 0;
        while (true)
        {
            var backslash = input.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                input.CopyTo(output[written..]);
                written += input.Length;
                return true;
            }
            input[..backslash].CopyTo(output[written..]);
            written += backslash;
            input = input[(backslash + 1)..];
            var escape = input[0];
            input = input[1..];
            if (escape != (byte)'u')
            {
                output[written++] = escape switch
                {
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => escape, // '"', '\\' and '/' stand for themselves
                };
                continue;
            }
            int codePoint = Hex4(input);
            input = input[4..];
            if (codePoint < 0x80)
            {
                output[written++] = (byte)codePoint; // how serialisers escape '"', '\'', '<', '>', '&' and controls
                continue;
            }
            if (char.IsHighSurrogate((char)codePoint))
            {
                var low = input.Length >= 6 && input[0] == (byte)'\\' && input[1] == (byte)'u' ? (char)Hex4(input[2..]) : '\0';
                if (char.IsLowSurrogate(low))
                {
                    codePoint = char.ConvertToUtf32((char)codePoint, low);
                    input = input[6..];
                }
            }
            if (!Rune.IsValid(codePoint))
            {
                return false; // a surrogate left alone
            }
            written += new Rune(codePoint).EncodeToUtf8(output[written..]);
        }
    }

    /// <summary>The four hex digits of a \u escape; the document has checked that they are.</summary>
    private static int Hex4(ReadOnlySpan<byte> hex) => Utf8Parser.TryParse(hex[..4], out ushort value, out _, 'X') ? value : throw new FormatException("not a \\u escape");
}
