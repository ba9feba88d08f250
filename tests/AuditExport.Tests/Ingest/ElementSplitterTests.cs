using System.Text;
using AuditExport.Ingest;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Ingest;

public sealed class ElementSplitterTests
{
    private readonly ElementSplitter _splitter = new(new AuditEventValidator(1024 * 1024, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero))));

    private (List<AuditEvent> Accepted, List<RejectedInput> Rejected) Split(string body) => Split(Encoding.UTF8.GetBytes(body));

    private (List<AuditEvent> Accepted, List<RejectedInput> Rejected) Split(byte[] body)
    {
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();
        _splitter.Split(new DeliveredElement(3, body), accepted, rejected);
        return (accepted, rejected);
    }

    private static string Text(ReadOnlyMemory<byte> raw) => Encoding.UTF8.GetString(raw.Span);

    [Fact]
    public void One_object_keeps_its_exact_bytes_including_inner_whitespace()
    {
        var body = "  " + Samples.Event("a", extra: ",\"q\" : [ 1 ,2 ]") + "\n";
        var (accepted, rejected) = Split(body);
        Assert.Empty(rejected);
        Assert.Equal(body.Trim(), Text(Assert.Single(accepted).Raw));
        Assert.Equal(3, accepted[0].ElementIndex);
    }

    [Fact]
    public void Array_of_objects_gives_one_event_per_item_and_rejects_non_objects()
    {
        var (accepted, rejected) = Split($"[{Samples.Event("a")}, 42, {Samples.Event("b")}]");
        Assert.Equal(["a", "b"], accepted.Select(e => e.Id));
        Assert.Equal(Samples.Event("b"), Text(accepted[1].Raw));
        Assert.Equal("array item 1 is not a JSON object", Assert.Single(rejected).Reason);
        Assert.Equal("42", Text(rejected[0].Raw));
    }

    [Fact]
    public void Json_lines_with_blank_lines_and_crlf_give_one_event_per_line_and_a_bad_line_alone_is_rejected()
    {
        var body = $"{Samples.Event("a")}\r\n\r\n{{\"id\":\"broken\"\r\n   \n{Samples.Event("c")}\n";
        var (accepted, rejected) = Split(body);
        Assert.Equal(["a", "c"], accepted.Select(e => e.Id));
        Assert.Equal(Samples.Event("a"), Text(accepted[0].Raw));
        Assert.Equal([0, 2], accepted.Select(e => e.ItemIndex));
        var bad = Assert.Single(rejected);
        Assert.Equal("{\"id\":\"broken\"", Text(bad.Raw));
        Assert.Equal(1, bad.ItemIndex);
    }

    [Fact]
    public void Pretty_printed_object_spanning_lines_is_one_event()
    {
        var body = "{\n  \"id\": \"pretty\",\n  \"eventTimestamp\": \"2026-11-20T08:00:00Z\"\n}";
        var (accepted, rejected) = Split(body);
        Assert.Empty(rejected);
        Assert.Equal(body, Text(Assert.Single(accepted).Raw));
    }

    [Theory]
    [InlineData("", "event is empty")]
    [InlineData("   \n ", "event is empty")]
    [InlineData("[]", "event is an empty JSON array")]
    [InlineData("\"just a string\"", "event is a JSON string, not an object")]
    [InlineData("{\"id\":\"a\"", "invalid JSON: truncated (an object or array is not closed)")]
    public void Unusable_elements_are_rejected_whole_with_a_reason(string body, string reason)
    {
        var (accepted, rejected) = Split(body);
        Assert.Empty(accepted);
        Assert.Equal(reason, Assert.Single(rejected).Reason);
    }

    [Fact]
    public void Byte_order_mark_and_utf16_are_rejected_and_kept_as_received()
    {
        var bom = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Samples.Event("a"))).ToArray();
        var (_, rejectedBom) = Split(bom);
        Assert.Equal("event starts with a UTF-8 byte order mark", Assert.Single(rejectedBom).Reason);
        Assert.Equal(bom, rejectedBom[0].Raw.ToArray());

        var utf16 = Encoding.Unicode.GetBytes(Samples.Event("a"));
        var (_, rejectedUtf16) = Split(utf16);
        Assert.Equal("event is not UTF-8 (looks like UTF-16)", Assert.Single(rejectedUtf16).Reason);
    }

    [Fact]
    public void Message_over_the_size_limit_is_rejected_without_parsing()
    {
        var splitter = new ElementSplitter(new AuditEventValidator(2048, TimeProvider.System));
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();
        var body = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 40).Select(i => Samples.Event($"e{i}"))));
        splitter.Split(new DeliveredElement(0, body), accepted, rejected);
        Assert.Empty(accepted);
        Assert.StartsWith($"message is {body.Length} bytes; the limit (MaxEventBytes) is 2048", Assert.Single(rejected).Reason);
    }
}
