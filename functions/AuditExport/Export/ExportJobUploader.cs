using AuditExport.AuditStore;
using AuditExport.Configurations;
using AuditExport.Destinations;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>
/// Writes one job's window to its destination: streams the window's segments into rolling gzip JSON Lines objects with
/// deterministic names (a redo overwrites the same objects), renewing the lease between objects.
/// </summary>
public sealed class ExportJobUploader(SegmentReader segments, ExportDestinationFactory destinations, SecretProtector secrets, ExportOptions options, ILogger<ExportJobUploader> logger)
{
    /// <summary>Segments read ahead of the upload: at most this many (each up to ~1 MiB) wait in memory.</summary>
    public const int ReadAhead = 16;

    public async Task<(long Records, List<string> Objects, long Bytes)> UploadAsync(ExportConfiguration configuration, LeaseKeeper lease, ExportJob job, RetryPolicy retry, CancellationToken cancellationToken)
    {
        var secret = secrets.SecretOf(configuration);
        await using var destination = await destinations.OpenAsync(configuration.Id, configuration.Destination, secret, retry, cancellationToken);

        var objects = new List<string>();
        long records = 0, recordsInObject = 0, bytes = 0;
        IObjectWriter? writer = null;
        try
        {
            await foreach (var segment in Prefetch.AheadAsync(segments.ReadAsync(job.WindowStart, job.WindowEnd, cancellationToken), ReadAhead, cancellationToken))
            {
                if (writer is not null && (recordsInObject + segment.Count > options.MaxRecordsPerFile || writer.BytesWritten + segment.Payload.Length > options.MaxBytesPerFile))
                {
                    await CompleteAsync(writer, objects, configuration, job, recordsInObject, cancellationToken);
                    bytes += writer.BytesWritten;
                    await writer.DisposeAsync();
                    writer = null;
                    recordsInObject = 0;
                    await lease.RenewIfDueAsync(cancellationToken);
                }
                if (writer is null)
                {
                    objects.Add(ObjectNaming.Name(configuration, job.WindowEnd, objects.Count + 1));
                    writer = await destination.StartObjectAsync(objects[^1], ObjectNaming.ContentType, cancellationToken);
                }
                // A segment's payload is a complete gzip member: appended as it is, the object is a valid gzip file.
                await writer.WriteAsync(segment.Payload, cancellationToken);
                recordsInObject += segment.Count;
                records += segment.Count;
            }
            if (writer is not null)
            {
                await CompleteAsync(writer, objects, configuration, job, recordsInObject, cancellationToken);
                bytes += writer.BytesWritten;
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
        return (records, objects, bytes);
    }

    private async Task CompleteAsync(IObjectWriter writer, List<string> objects, ExportConfiguration configuration, ExportJob job, long records, CancellationToken cancellationToken)
    {
        await writer.CompleteAsync(cancellationToken);
        logger.LogInformation("Export of {Id} job {Job}: wrote {Object} ({Records} records, {Bytes} bytes)",
            configuration.Id, job.JobId, objects[^1], records, writer.BytesWritten);
    }
}
