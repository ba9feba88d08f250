using System.Buffers;

namespace AuditExport.Ingest;

/// <summary>
/// Reads the host's one-string batch of binary events, <c>"[\"base64\",\"base64\",…]"</c>, where it stands in the
/// body, escapes and all: the base64 runs are found without unescaping the string into a copy and parsing that copy as
/// a second document. It answers only for that exact shape (spaces allowed between the parts, each run made of the
/// base64 alphabet); for anything else it says "not sure" and the general path (unescape, parse) decides, which a
/// test holds it to on mutated batches.
/// </summary>
public static class Base64BatchFastPath
{
    private static readonly SearchValues<byte> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    /// <summary>
    /// The base64 runs of <paramref name="quoted"/> (the string's raw token, quotes included), as ranges of it; false
    /// when the token is not that shape.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> quoted, out List<Range> runs)
    {
        runs = [];
        if (quoted.Length < 2)
        {
            return false;
        }
        var text = quoted[1..^1];
        var i = SkipSpaces(text, 0);
        if (i >= text.Length || text[i] != (byte)'[')
        {
            return false;
        }
        i = SkipSpaces(text, i + 1);
        if (i < text.Length && text[i] == (byte)']')
        {
            return SkipSpaces(text, i + 1) == text.Length;
        }
        while (true)
        {
            if (!text[i..].StartsWith("\\\""u8))
            {
                return false;
            }
            var start = i + 2;
            var length = text[start..].IndexOfAnyExcept(Base64Alphabet);
            if (length < 0 || !text[(start + length)..].StartsWith("\\\""u8))
            {
                return false;
            }
            runs.Add(new Range(start + 1, start + 1 + length)); // +1: the token's opening quote
            i = SkipSpaces(text, start + length + 2);
            if (i >= text.Length)
            {
                return false;
            }
            if (text[i] == (byte)']')
            {
                return SkipSpaces(text, i + 1) == text.Length;
            }
            if (text[i] != (byte)',')
            {
                return false;
            }
            i = SkipSpaces(text, i + 1);
        }
    }

    private static int SkipSpaces(ReadOnlySpan<byte> text, int from) =>
        from >= text.Length ? text.Length : text[from..].IndexOfAnyExcept((byte)' ') is var n and >= 0 ? from + n : text.Length;
}
