using System.IO.Compression;

namespace AuditExport.Ingest;

/// <summary>
/// Packs validated events into compressed segments that fit one Table entity. Segment boundaries fall
/// between delivered elements whenever possible, so that a transaction never has to split an element.
/// </summary>
public sealed class SegmentPacker(int targetRawBytes, int maxEventsPerSegment = int.MaxValue)
{

    // zlib level 1 (CompressionLevel.Fastest) uses static Huffman trees in zlib-ng and barely compresses
    // high-entropy text; level 2 builds dynamic trees at nearly the same speed. Seen in the 1 MB event test:
    // at level 1 a 1,048,000-byte event of random text compressed to more than 917,504 bytes; at level 2 it fits.
    private static readonly ZLibCompressionOptions Compression = new() { CompressionLevel = 2 };
    /// <summary>960 KiB of payload leaves room for its base64 form's overhead and metadata within the 1 MiB entity limit.</summary>
    public const int MaxCompressedBytes = 960 * 1024;

    /// <summary>Events in delivery order. Events whose compressed form alone exceeds a segment come back in <paramref name="tooLarge"/>.</summary>
    public List<Segment> Pack(IReadOnlyList<AuditEvent> events, List<AuditEvent> tooLarge)
    {
        var segments = new List<Segment>();
        var current = new List<AuditEvent>();
        long currentBytes = 0;
        var i = 0;
        while (i < events.Count)
        {
            var element = events[i].ElementIndex;
            var end = i;
            long elementBytes = 0;
            while (end < events.Count && events[end].ElementIndex == element)
            {
                elementBytes += events[end].Raw.Length + 1;
                end++;
            }
            if (current.Count > 0 && (currentBytes + elementBytes > targetRawBytes || current.Count + (end - i) > maxEventsPerSegment))
            {
                Flush(current, segments, tooLarge);
                current = [];
                currentBytes = 0;
            }
            for (var j = i; j < end; j++)
            {
                if (current.Count == maxEventsPerSegment)
                {
                    Flush(current, segments, tooLarge); // one message holding more events than a segment may
                    current = [];
                    currentBytes = 0;
                }
                current.Add(events[j]);
            }
            currentBytes += elementBytes;
            i = end;
        }
        if (current.Count > 0)
        {
            Flush(current, segments, tooLarge);
        }
        return segments;
    }

    private static void Flush(List<AuditEvent> events, List<Segment> segments, List<AuditEvent> tooLarge)
    {
        var compressed = Compress(events, out var rawBytes);
        if (compressed.Length <= MaxCompressedBytes)
        {
            segments.Add(new Segment(events.ToArray(), compressed, rawBytes,
                events.Min(e => e.Timestamp), events.Max(e => e.Timestamp)));
            return;
        }
        if (events.Count == 1)
        {
            tooLarge.Add(events[0]);
            return;
        }
        var half = events.Count / 2;
        Flush(events.GetRange(0, half), segments, tooLarge);
        Flush(events.GetRange(half, events.Count - half), segments, tooLarge);
    }

    /// <summary>
    /// One line per event. An event's CR and LF bytes can only be whitespace between JSON tokens (raw control
    /// characters are invalid inside JSON strings), so they become spaces: same length, same JSON, one line.
    /// </summary>
    public static byte[] Compress(IReadOnlyList<AuditEvent> events, out long rawBytes)
    {
        rawBytes = 0;
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, Compression, leaveOpen: true))
        {
            byte[]? scratch = null;
            foreach (var e in events)
            {
                var raw = e.Raw.Span;
                if (raw.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
                {
                    scratch = raw.ToArray();
                    scratch.AsSpan().Replace((byte)'\r', (byte)' ');
                    scratch.AsSpan().Replace((byte)'\n', (byte)' ');
                    gzip.Write(scratch);
                }
                else
                {
                    gzip.Write(raw);
                }
                gzip.WriteByte((byte)'\n');
                rawBytes += raw.Length + 1;
            }
        }
        return output.ToArray();
    }

    public static byte[] Decompress(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
