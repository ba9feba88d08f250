using Microsoft.AspNetCore.Http;

namespace AuditExport.Api;

/// <summary>Reads an API request's body up to a limit, trusting neither Content-Length nor its absence.</summary>
public static class BoundedBody
{
    /// <summary>The API's limit for a request body (a configuration, or a GraphQL request).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body, or null when it is longer than <see cref="MaxBytes"/> (said or found while reading).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return null;
        }
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes)
            {
                return null;
            }
        }
        return buffer.ToArray();
    }
}
