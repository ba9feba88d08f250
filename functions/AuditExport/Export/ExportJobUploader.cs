using System.Security.Cryptography;
using AuditExport.AuditStore;
using AuditExport.Configurations;
using AuditExport.Destinations;
using AuditExport.Digests;
using AuditExport.Signing;
using Microsoft.Extensions.Logging;

namespace AuditExport.Export;

/// <summary>What one job wrote: its records, objects and bytes, and the signed digest that lists them.</summary>
public sealed record UploadedJob(long Records, List<string> Objects, long Bytes, string? Digest, string? DigestSha256);

/// <summary>
/// Writes one job's window to its destination: streams the window's segments into rolling gzip JSON Lines objects with
/// deterministic names (a redo overwrites the same objects), renewing the lease between objects, then the job's signed
/// digest (<see cref="ExportDigest"/>), which lists every object with its size, SHA-256 and record count and names the
/// digest before it. Everything in the digest comes from the window and the chain's state, so a redo writes the same bytes.
/// </summary>
public sealed class ExportJobUploader(SegmentReader segments, ExportDestinationFactory destinations, SecretProtector secrets, DigestSigner signer,
    ExportOptions options, ILogger<ExportJobUploader> logger)
{
    /// <summary>Segments read ahead of the upload: at most this many (each up to ~1 MiB) wait in memory.</summary>
    public const int ReadAhead = 16;

    public async Task<UploadedJob> UploadAsync(ExportConfiguration configuration, LeaseKeeper lease, ExportJob job, RetryPolicy retry, CancellationToken cancellationToken)
    {
        var keys = options.Digests ? await signer.RingAsync(cancellationToken) : null; // before any upload: a job that cannot be signed writes nothing
        var secret = secrets.SecretOf(configuration);
        await using var destination = await destinations.OpenAsync(configuration.Id, configuration.Destination, secret, retry, cancellationToken);

        var objects = new List<string>();
        var digested = new List<DigestedObject>();
        long records = 0, recordsInObject = 0, bytes = 0;
        IObjectWriter? writer = null;
        try
        {
            await foreach (var segment in Prefetch.AheadAsync(segments.ReadAsync(job.WindowStart, job.WindowEnd, cancellationToken), ReadAhead, cancellationToken))
            {
                if (writer is not null && (recordsInObject + segment.Count > options.MaxRecordsPerFile || writer.BytesWritten + segment.Payload.Length > options.MaxBytesPerFile))
                {
                    await CompleteAsync(writer, objects, digested, configuration, job, recordsInObject, cancellationToken);
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
                await CompleteAsync(writer, objects, digested, configuration, job, recordsInObject, cancellationToken);
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
        if (keys is null)
        {
            return new UploadedJob(records, objects, bytes, null, null);
        }
        var (digest, digestSha256) = await WriteDigestAsync(destination, keys, configuration, job, lease.State, digested, records, cancellationToken);
        return new UploadedJob(records, objects, bytes, digest, digestSha256);
    }

    private async Task CompleteAsync(IObjectWriter writer, List<string> objects, List<DigestedObject> digested, ExportConfiguration configuration, ExportJob job,
        long records, CancellationToken cancellationToken)
    {
        await writer.CompleteAsync(cancellationToken);
        digested.Add(new DigestedObject(ObjectNaming.RelativeName(configuration.Id, job.WindowEnd, objects.Count), writer.BytesWritten, writer.Sha256, records));
        logger.LogInformation("Export of {Id} job {Job}: wrote {Object} ({Records} records, {Bytes} bytes{Existing})",
            configuration.Id, job.JobId, objects[^1], records, writer.BytesWritten,
            writer is PartedObjectWriter { ExistingAccepted: true } ? "; it was already there, identical, and the destination refuses overwrites" : "");
    }

    /// <summary>Writes the job's digest and its signature; answers the digest's name (under the path) and SHA-256.</summary>
    private async Task<(string Name, string Sha256)> WriteDigestAsync(IExportDestination destination, SigningKeyRing keys, ExportConfiguration configuration,
        ExportJob job, ExportState state, List<DigestedObject> digested, long records, CancellationToken cancellationToken)
    {
        var chain = state.LastDigest is not null ? DigestChain.Continues
            : state.LastSuccessAt is null ? DigestChain.First : DigestChain.FirstAfterUndigestedExports;
        var previous = state.LastDigest is { } name ? new PreviousDigest(name, state.LastDigestSha256 ?? "") : null;
        var digest = new ExportDigest(ExportDigest.CurrentFormat, configuration.Id, job.JobId, job.WindowStart, job.WindowEnd, digested, records,
            chain, previous, keys.CurrentKeyId, PublicSigningKey.Ed25519);
        var content = digest.ToBytes();
        await WriteWholeAsync(destination, configuration.Destination.ObjectName(digest.Name), content, cancellationToken);
        await WriteWholeAsync(destination, configuration.Destination.ObjectName(DigestSignature.NameFor(digest.Name)), keys.Sign(content).ToBytes(), cancellationToken);
        logger.LogInformation("Export of {Id} job {Job}: wrote digest {Digest} ({Objects} objects, {Records} records, signed with key {Key})",
            configuration.Id, job.JobId, digest.Name, digested.Count, records, keys.CurrentKeyId);
        return (digest.Name, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    private static async Task WriteWholeAsync(IExportDestination destination, string name, byte[] content, CancellationToken cancellationToken)
    {
        await using var writer = await destination.StartObjectAsync(name, ExportDigest.ContentType, cancellationToken);
        await writer.WriteAsync(content, cancellationToken);
        await writer.CompleteAsync(cancellationToken);
    }
}
