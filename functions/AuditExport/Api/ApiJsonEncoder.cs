using System.Text.Encodings.Web;

namespace AuditExport.Api;

/// <summary>
/// JSON as people read it: no \u002B in times or \u0022 in ETags (System.Text.Json's default escapes every
/// HTML-sensitive character), so an answer's ETag can be copied into If-Match. Still escaped: &lt;, &gt; and &amp;, so an
/// answer pasted into HTML cannot open a tag; control characters and the JSON syntax characters, as JSON requires.
/// </summary>
public sealed class ApiJsonEncoder : JavaScriptEncoder
{
    public static readonly ApiJsonEncoder Instance = new();

    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    private ApiJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => Relaxed.MaxOutputCharactersPerInputCharacter;

    private static bool HtmlSensitive(int scalar) => scalar is '<' or '>' or '&';

    public override bool WillEncode(int unicodeScalar) => HtmlSensitive(unicodeScalar) || Relaxed.WillEncode(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var relaxed = Relaxed.FindFirstCharacterToEncode(text, textLength);
        var end = relaxed < 0 ? textLength : relaxed;
        for (var i = 0; i < end; i++)
        {
            if (HtmlSensitive(text[i]))
            {
                return i;
            }
        }
        return relaxed;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!HtmlSensitive(unicodeScalar))
        {
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }
        var escaped = $"\\u{unicodeScalar:X4}";
        if (bufferLength < escaped.Length)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        for (var i = 0; i < escaped.Length; i++)
        {
            buffer[i] = escaped[i];
        }
        numberOfCharactersWritten = escaped.Length;
        return true;
    }
}
