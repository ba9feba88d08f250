using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace AuditExport.Ingest;

/// <summary>
/// A block of bytes in pooled memory up to a threshold, and above it in a temporary file mapped into memory, so a
/// very large invocation (a batch of 1 MiB events full of characters the host escapes 7-fold) sits in the page
/// cache and on disk rather than on the managed heap beside every other invocation. Dispose frees either.
/// </summary>
public sealed class SpooledMemory : IDisposable
{
    /// <summary>JsonDocument and spans index with Int32: nothing larger can be parsed.</summary>
    public const long MaxBytes = int.MaxValue;

    private readonly byte[]? _pooled;
    private readonly MappedFile? _mapped;

    private SpooledMemory(byte[] pooled, int length) => (_pooled, Length) = (pooled, length);

    private SpooledMemory(MappedFile mapped, int length) => (_mapped, Length) = (mapped, length);

    public int Length { get; }

    public bool IsSpooled => _mapped is not null;

    public Memory<byte> Memory => _pooled is not null ? _pooled.AsMemory(0, Length) : _mapped!.Memory[..Length];

    /// <summary>A writable block of <paramref name="length"/> bytes.</summary>
    public static SpooledMemory Allocate(int length, int memoryThreshold)
    {
        if (length <= memoryThreshold)
        {
            return new SpooledMemory(ArrayPool<byte>.Shared.Rent(Math.Max(length, 1)), length);
        }
        var file = TemporaryFile();
        file.SetLength(length);
        return new SpooledMemory(new MappedFile(file, length), length);
    }

    /// <summary>
    /// Reads <paramref name="stream"/> to its end.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream holds more than <see cref="MaxBytes"/>.</exception>
    public static async Task<SpooledMemory> ReadAsync(Stream stream, long? declaredLength, int memoryThreshold, CancellationToken cancellationToken)
    {
        if (declaredLength > MaxBytes)
        {
            throw new InvalidDataException($"The body is {declaredLength} bytes; at most {MaxBytes} can be read.");
        }
        var buffer = ArrayPool<byte>.Shared.Rent(declaredLength is > 0 && declaredLength <= memoryThreshold ? (int)declaredLength.Value + 1 : 64 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= memoryThreshold)
                    {
                        return await SpoolAsync(buffer.AsMemory(0, length), stream, cancellationToken);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, Math.Max(memoryThreshold, buffer.Length + 1)));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    var result = new SpooledMemory(buffer, length);
                    buffer = null;
                    return result;
                }
                length += read;
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<SpooledMemory> SpoolAsync(ReadOnlyMemory<byte> prefix, Stream rest, CancellationToken cancellationToken)
    {
        var file = TemporaryFile();
        try
        {
            await file.WriteAsync(prefix, cancellationToken);
            var chunk = ArrayPool<byte>.Shared.Rent(1024 * 1024);
            try
            {
                int read;
                while ((read = await rest.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    if (file.Length + read > MaxBytes)
                    {
                        throw new InvalidDataException($"The body is larger than {MaxBytes} bytes, the most that can be read.");
                    }
                    await file.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            await file.FlushAsync(cancellationToken);
            var length = (int)file.Length;
            return new SpooledMemory(new MappedFile(file, length), length);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static FileStream TemporaryFile() =>
        new(Path.Combine(Path.GetTempPath(), $"audit-export-{Guid.NewGuid():N}.spool"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            bufferSize: 0, FileOptions.DeleteOnClose);

    public void Dispose()
    {
        if (_pooled is not null)
        {
            ArrayPool<byte>.Shared.Return(_pooled);
        }
        ((IDisposable?)_mapped)?.Dispose();
    }

    /// <summary>A temporary file mapped read-write; the file deletes itself when closed.</summary>
    private sealed unsafe class MappedFile : MemoryManager<byte>
    {
        private readonly FileStream _file;
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly int _length;

        public MappedFile(FileStream file, int length)
        {
            _file = file;
            _length = length;
            _map = MemoryMappedFile.CreateFromFile(file, null, Math.Max(length, 1), MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(0, Math.Max(length, 1), MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + _view.PointerOffset;
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
            _file.Dispose();
        }
    }
}
