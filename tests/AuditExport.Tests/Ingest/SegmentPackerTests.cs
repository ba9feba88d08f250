using System.Text;
using AuditExport.Ingest;

namespace AuditExport.Tests.Ingest;

public sealed class SegmentPackerTests
{
    private static AuditEvent Event(int element, int item, string text) =>
        new(Encoding.UTF8.GetBytes(text), $"id-{element}-{item}", DateTimeOffset.UnixEpoch.AddDays(element), element, item);

    [Fact]
    public void Segment_payload_is_one_gzip_member_of_json_lines_byte_identical_to_the_events()
    {
        var events = Enumerable.Range(0, 50).Select(i => Event(i, 0, $"{{\"id\":\"{i}\",\"q\":\"select {i}\"}}")).ToList();
        var segment = Assert.Single(new SegmentPacker(1024 * 1024).Pack(events, []));
        var lines = Encoding.UTF8.GetString(SegmentPacker.Decompress(segment.Compressed)).Split('\n');
        Assert.Equal(events.Select(e => Encoding.UTF8.GetString(e.Raw.Span)).Append(""), lines);
        Assert.Equal(events.Sum(e => e.Raw.Length + 1), segment.RawBytes);
        Assert.Equal(DateTimeOffset.UnixEpoch, segment.MinTimestamp);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(49), segment.MaxTimestamp);
    }

    [Fact]
    public void Line_breaks_between_tokens_become_spaces_so_each_event_stays_one_line()
    {
        var pretty = "{\r\n \"id\": \"p\"\n}";
        var segment = Assert.Single(new SegmentPacker(1024).Pack([Event(0, 0, pretty)], []));
        Assert.Equal("{   \"id\": \"p\" }\n", Encoding.UTF8.GetString(SegmentPacker.Decompress(segment.Compressed)));
    }

    [Fact]
    public void Segments_break_between_elements_not_inside_one()
    {
        var events = new List<AuditEvent>();
        for (var element = 0; element < 10; element++)
        {
            for (var item = 0; item < 3; item++)
            {
                events.Add(Event(element, item, new string('x', 100)));
            }
        }
        var segments = new SegmentPacker(targetRawBytes: 700).Pack(events, []);
        Assert.Equal(5, segments.Count); // 2 elements (606 bytes) per segment
        Assert.All(segments, s => Assert.Equal(6, s.Events.Count));
        Assert.Equal(30, segments.Sum(s => s.Events.Count));
    }

    [Fact]
    public void Incompressible_event_too_large_for_an_entity_is_handed_back_not_dropped()
    {
        var random = new Random(1);
        var bytes = new byte[SegmentPacker.MaxCompressedBytes + 10_000];
        random.NextBytes(bytes);
        var tooLarge = new List<AuditEvent>();
        var small = Event(1, 0, "{\"id\":\"small\"}");
        var segments = new SegmentPacker(4 * 1024 * 1024).Pack([new AuditEvent(bytes, "big", DateTimeOffset.UnixEpoch, 0, 0), small], tooLarge);
        Assert.Equal("big", Assert.Single(tooLarge).Id);
        Assert.Equal("id-1-0", Assert.Single(Assert.Single(segments).Events).Id);
    }
}
