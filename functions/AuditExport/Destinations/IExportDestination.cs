namespace AuditExport.Destinations;

/// <summary>Where an export writes its objects. Writes need only put/create permissions: never list or read.</summary>
public interface IExportDestination : IAsyncDisposable
{
    /// <summary>Starts an object; its content becomes visible only when the writer completes.</summary>
    Task<IObjectWriter> StartObjectAsync(string objectName, string contentType, CancellationToken cancellationToken);
}

/// <summary>Streams one object in parts; nothing is buffered beyond one part.</summary>
public interface IObjectWriter : IAsyncDisposable
{
    long BytesWritten { get; }

    Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the object visible (replacing any object of that name).</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Buffers writes into parts of <see cref="PartBytes"/> and hands each full part to the destination; a small
/// object is written in one request. Disposing without completing abandons the object.
/// </summary>
public abstract class PartedObjectWriter(int partBytes) : IObjectWriter
{
    private byte[]? _buffer;
    private int _filled;
    private int _parts;
    private bool _completed;

    public int PartBytes { get; } = partBytes;
    public long BytesWritten { get; private set; }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _buffer ??= new byte[PartBytes];
        while (data.Length > 0)
        {
            if (_filled == PartBytes)
            {
                // Only a part followed by more data is uploaded here: the last part goes up on completion.
                await UploadPartAsync(++_parts, _buffer.AsMemory(0, _filled), cancellationToken);
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
            await PutWholeAsync(rest, cancellationToken);
        }
        else
        {
            await UploadPartAsync(++_parts, rest, cancellationToken);
            await CommitPartsAsync(_parts, cancellationToken);
        }
        _completed = true;
    }

    protected abstract Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    protected abstract Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    protected abstract Task CommitPartsAsync(int partCount, CancellationToken cancellationToken);

    protected virtual Task AbandonAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!_completed && _parts > 0)
        {
            await AbandonAsync();
        }
        GC.SuppressFinalize(this);
    }
}
