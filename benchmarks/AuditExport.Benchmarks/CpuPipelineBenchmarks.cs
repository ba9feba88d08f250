using AuditExport.AuditStore;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using BenchmarkDotNet.Attributes;

namespace AuditExport.Benchmarks;

/// <summary>
/// The CPU work per batch of 500 events (about 515 KiB), without I/O. Ingest: read the host's invocation, split
/// and validate every event, pack and compress; as deployed (dataType binary: base64 bodies) and, for the decision
/// between them, as text (dataType string: bodies as JSON strings). Export as built: lay a segment out as an entity, read the
/// payload back and append it (segments are gzip members, so nothing is recompressed). For comparison, the
/// export the benchmark issue describes: decompress, split lines, recompress.
/// </summary>
[MemoryDiagnoser]
public class CpuPipelineBenchmarks
{
    private byte[] _invocation = [];
    private byte[] _textInvocation = [];
    private Segment _segment = null!;
    private ElementSplitter _splitter = null!;
    private SegmentPacker _packer = null!;
    private readonly IngestOptions _options = new();

    public static long RawBytes { get; private set; }
    public static long InvocationBytes { get; private set; }
    public static long TextInvocationBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var workload = new Workload(500);
        RawBytes = workload.Bytes;
        _invocation = EventHubInvocation.Serialize(EventHubInvocation.Create(workload.Events, "0", 0, DateTimeOffset.UtcNow, dataType: "binary"));
        _textInvocation = EventHubInvocation.Serialize(EventHubInvocation.Create(workload.Events, "0", 0, DateTimeOffset.UtcNow, dataType: "string"));
        InvocationBytes = _invocation.Length;
        TextInvocationBytes = _textInvocation.Length;
        _splitter = new ElementSplitter(new AuditEventValidator(1024 * 1024, TimeProvider.System));
        _packer = new SegmentPacker(_options.SegmentTargetBytes);
        _segment = Ingest().Single();
    }

    [Benchmark]
    public List<Segment> Ingest() => Ingest(_invocation, EventBodyEncoding.Base64);

    [Benchmark]
    public List<Segment> IngestAsText() => Ingest(_textInvocation, EventBodyEncoding.Text);

    private List<Segment> Ingest(byte[] invocation, EventBodyEncoding encoding)
    {
        // As the trigger reads it: the one-string batch cut out of the body (Ingest), or the whole body parsed (IngestAsText).
        using var body = IngestBreakdown.ReadBodyAsync(invocation, _options.InvocationMemoryBytes).GetAwaiter().GetResult(); // a MemoryStream: synchronous
        var batch = IngestBreakdown.Unwrap(body, _options, encoding);
        var accepted = new List<AuditEvent>(batch.Elements.Count);
        var rejected = new List<RejectedInput>();
        foreach (var element in batch.Elements)
        {
            _splitter.Split(element, accepted, rejected);
        }
        return _packer.Pack(accepted, []);
    }

    [Benchmark]
    public long ExportAsBuilt()
    {
        var entity = SegmentEntity.Create("2026-11_00", "row", _segment, DateTimeOffset.UtcNow, "0", 0, 499);
        using var output = new MemoryStream();
        output.Write(SegmentEntity.ReadPayload(entity));
        return output.Length;
    }

    [Benchmark]
    public long ExportDecompressRecompress()
    {
        var text = SegmentPacker.Decompress(_segment.Compressed);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = 2 }, leaveOpen: true))
        {
            foreach (var line in Encoding.UTF8.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                gzip.Write(Encoding.UTF8.GetBytes(line));
                gzip.WriteByte((byte)'\n');
            }
        }
        return output.Length;
    }
}
