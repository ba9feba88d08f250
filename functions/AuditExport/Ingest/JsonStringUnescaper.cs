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
        var input = quoted[1..^1];
        var output = new byte[input.Length]; // an escape is never shorter than the UTF-8 it stands for
        var written = 0;
        while (true)
        {
            var backslash = input.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                input.CopyTo(output.AsSpan(written));
                written += input.Length;
                utf8 = output.AsMemory(0, written);
                return true;
            }
            input[..backslash].CopyTo(output.AsSpan(written));
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
            if (char.IsLowSurrogate((char)codePoint))
            {
                utf8 = default;
                return false;
            }
            if (char.IsHighSurrogate((char)codePoint))
            {
                if (input.Length < 6 || input[0] != (byte)'\\' || input[1] != (byte)'u' || !char.IsLowSurrogate((char)Hex4(input[2..])))
                {
                    utf8 = default;
                    return false;
                }
                codePoint = char.ConvertToUtf32((char)codePoint, (char)Hex4(input[2..]));
                input = input[6..];
            }
            written += new Rune(codePoint).EncodeToUtf8(output.AsSpan(written));
        }
    }

    private static int Hex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var c = hex[i] | 0x20; // lower-cases letters, leaves digits as they are
            value = (value << 4) + (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return value;
    }
}
