using System.Text.Json;

namespace AuditExport.Api;

/// <summary>A JSON parse error as a person reads it: the reader's sentence, with the line and column counted from 1.</summary>
public static class JsonErrors
{
    public static string Describe(Exception e)
    {
        var sentence = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd();
        return e is JsonException { LineNumber: { } line, BytePositionInLine: { } column }
            ? $"{sentence} (line {line + 1}, column {column + 1})"
            : sentence;
    }
}
