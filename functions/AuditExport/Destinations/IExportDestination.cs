using System.Security.Cryptography;

namespace AuditExport.Destinations;

/// <summary>
/// Where an export writes its objects. Writes need only put/create permissions: never list, and read only to compare an
/// object a destination that refuses overwrites already holds (<see cref="PartedObjectWriter"/>).
/// </summary>
public interface IExportDestination : IAsyncDisposable
{
    /// <summary>Starts an object; its content becomes visible only when the writer completes.</summary>
    Task<IObjectWriter> StartObjectAsync(string objectName, string contentType, CancellationToken cancellationToken);
}

/// <summary>Streams one object in parts; nothing is buffered beyond one part.</summary>
public interface IObjectWriter : IAsyncDisposable
{
    long BytesWritten { get; }

    /// <summary>The SHA-256 (lower-case hex) of everything written; complete once <see cref="CompleteAsync"/> returned.</summary>
    string Sha256 { get; }

    Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the object visible (replacing any object of that name, or accepting the identical one a WORM destination keeps).</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Buffers writes into parts of <see cref="PartBytes"/> and hands each full part to the destination; a small
/// object is written in one request. Disposing without completing abandons the object.
/// <para>
/// WORM destinations (Azure immutable storage, an S3 bucket that refuses overwrites) refuse to replace an object a
/// redone job writes again. Then the object that is there is read back and accepted when its size and SHA-256 are those
/// of this content (the redo's objects are the same bytes); otherwise the write fails with <see cref="ObjectDiffersException"/>.
/// </para>
/// </summary>
public abstract class PartedObjectWriter(int partBytes) : IObjectWriter
{
    private byte[]? _buffer;
    private int _filled;
    private int _parts;
    private bool _completed;
    private Exception? _refused;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _hex;

    public int PartBytes { get; } = partBytes;
    public long BytesWritten { get; private set; }
    public string Sha256 => _hex ?? throw new InvalidOperationException("The object is not complete yet.");

    /// <summary>The object's name in the destination, as reasons name it.</summary>
    protected abstract string ObjectName { get; }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _buffer ??= new byte[PartBytes];
        _sha256.AppendData(data.Span);
        while (data.Length > 0)
        {
            if (_filled == PartBytes)
            {
                // Only a part followed by more data is uploaded here: the last part goes up on completion.
                await RefusableAsync(ct => UploadPartAsync(++_parts, _buffer.AsMemory(0, _filled), ct), cancellationToken);
                _filled = 0;
            }
            var take = Math.Min(data.Length, PartBytes - _filled);
            data[..take].CopyTo(_buffer.AsMemory(_filled));
            _filled += take;
            data = data[take..];
            BytesWritten += take;
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var rest = (_buffer ?? []).AsMemory(0, _filled);
        if (_parts == 0)
        {
            await RefusableAsync(ct => PutWholeAsync(rest, ct), cancellationToken);
        }
        else
        {
            await RefusableAsync(ct => UploadPartAsync(++_parts, rest, ct), cancellationToken);
            await RefusableAsync(ct => CommitPartsAsync(_parts, ct), cancellationToken);
        }
        _hex = Convert.ToHexStringLower(_sha256.GetHashAndReset());
        if (_refused is not null)
        {
            await AcceptExistingAsync(_refused, cancellationToken);
        }
        _completed = true;
    }

    /// <summary>Runs an upload step unless the destination already refused this object; a refusal to overwrite is noted, not thrown.</summary>
    private async Task RefusableAsync(Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        if (_refused is not null)
        {
            return;
        }
        try
        {
            await step(cancellationToken);
        }
        catch (Exception e) when (RetryPolicy.MayBeRefusedOverwrite(e))
        {
            _refused = e;
        }
    }

    private async Task AcceptExistingAsync(Exception refusal, CancellationToken cancellationToken)
    {
        ExistingObject? existing;
        try
        {
            existing = await ReadExistingAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Azure's immutability codes say the object is there; S3's AccessDenied may as well be a missing permission to
            // write, and S3 answers 403, not 404, for a missing object the caller may not list: its own reason goes first.
            throw new DestinationAccessException(RetryPolicy.IsImmutabilityRefusal(refusal)
                ? $"{ObjectName} could not be written ({RetryPolicy.Describe(refusal)}), and reading it back to compare with this job's content failed " +
                  $"({RetryPolicy.Describe(e)}). On a destination that refuses overwrites (WORM), the exporter needs read access to accept a redo (README: WORM destinations)."
                : $"{RetryPolicy.Describe(refusal)} (writing {ObjectName}; where the bucket refuses overwrites and the object is already there, the exporter " +
                  $"also needs s3:GetObject to compare it with this job's: README, WORM destinations)", e);
        }
        if (existing is null)
        {
            // Nothing is there: the refusal was not about an existing object.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refusal);
        }
        await using (existing.Content)
        {
            if (existing.Length != BytesWritten)
            {
                throw new ObjectDiffersException($"{ObjectName} already exists and cannot be overwritten, and it is not this job's object: it is {existing.Length} bytes, this job's is {BytesWritten}.");
            }
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(existing.Content, cancellationToken));
            if (sha256 != _hex)
            {
                throw new ObjectDiffersException($"{ObjectName} already exists and cannot be overwritten, and it is not this job's object: same size ({BytesWritten} bytes), SHA-256 {sha256} instead of {_hex}.");
            }
        }
        ExistingAccepted = true;
    }

    /// <summary>True when the object was already there, refused to be overwritten, and held exactly this content.</summary>
    public bool ExistingAccepted { get; private set; }

    protected abstract Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    protected abstract Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    protected abstract Task CommitPartsAsync(int partCount, CancellationToken cancellationToken);

    /// <summary>The object as it is in the destination now, or null when there is none.</summary>
    protected abstract Task<ExistingObject?> ReadExistingAsync(CancellationToken cancellationToken);

    protected virtual Task AbandonAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if ((!_completed || _refused is not null) && _parts > 0)
        {
            await AbandonAsync();
        }
        _sha256.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>An object already in the destination: its length and a stream of its content.</summary>
public sealed record ExistingObject(long Length, Stream Content);

/// <summary>A destination that refuses overwrites holds another object under a name this job writes: the job cannot complete.</summary>
public sealed class ObjectDiffersException(string message) : Exception(message);
