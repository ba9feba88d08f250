using System.Text;
using AuditExport.Ingest;
using AuditExport.Tests.Infrastructure;

namespace AuditExport.Tests.Ingest;

public sealed class AuditEventValidatorTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly AuditEventValidator _validator = new(1024 * 1024, Clock);

    private string? Validate(string json, out DateTimeOffset timestamp) =>
        _validator.Validate(Encoding.UTF8.GetBytes(json), out _, out timestamp)?.Text;

    [Theory]
    [InlineData("\"eventTimestamp\":\"2026-11-20T08:00:41.000Z\"", "2026-11-20T08:00:41.0000000+00:00")]
    [InlineData("\"eventTimestamp\":\"2026-11-20T03:00:00.123456-05:00\"", "2026-11-20T08:00:00.1234560+00:00")]
    [InlineData("\"eventTimestamp\":\"2026-11-20T13:30:00+05:30\"", "2026-11-20T08:00:00.0000000+00:00")]
    [InlineData("\"eventTimestamp\":\"2026-11-20T08:00:00.123456789Z\"", "2026-11-20T08:00:00.1234567+00:00")]
    [InlineData("\"eventTimestamp\":\"2026-11-20T08:00:00\"", "2026-11-20T08:00:00.0000000+00:00")]
    [InlineData("\"eventTimestamp\":\"2026-11-20T08:00:00+0100\"", "2026-11-20T07:00:00.0000000+00:00")]
    [InlineData("\"receivedTimestamp\":\"2026-11-20T08:00:00Z\"", "2026-11-20T08:00:00.0000000+00:00")]
    [InlineData("\"dateTime\":\"1779264000000\"", "2026-05-20T08:00:00.0000000+00:00")]
    [InlineData("\"dateTime\":1779264000000", "2026-05-20T08:00:00.0000000+00:00")]
    [InlineData("\"dateTime\":\"2021-04-01T10:00:00.000Z\"", "2021-04-01T10:00:00.0000000+00:00")]
    public void Accepts_every_timestamp_form(string field, string expectedUtc)
    {
        var reason = Validate("{\"id\":\"a\"," + field + ",\"x\":{\"nested\":[1,2,{\"deep\":true}]}}", out var timestamp);
        Assert.Null(reason);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc), timestamp);
        Assert.Equal(TimeSpan.Zero, timestamp.Offset);
    }

    [Theory]
    [InlineData("""{"ID":"legacy-1","DateTime":"1617997828777","Month":1455}""", "legacy-1", "2021-04-09T19:50:28.7770000+00:00")] // Immuta's legacy field table
    [InlineData("""{"id":"legacy-2","dateTime":1617997828777,"month":1455}""", "legacy-2", "2021-04-09T19:50:28.7770000+00:00")] // its example record
    [InlineData("""{"id":"legacy-3","dateTime":"2021-04-30T23:59:59.999Z","month":"1455"}""", "legacy-3", "2021-04-30T23:59:59.9990000+00:00")]
    [InlineData("""{"id":"uam","eventTimestamp":"2026-11-20T08:00:00Z","dateTime":"2021-04-01T00:00:00Z","month":1455}""", "uam", "2026-11-20T08:00:00.0000000+00:00")] // month checks dateTime
    public void Accepts_the_legacy_spellings_and_a_month_that_agrees_with_the_date(string json, string expectedId, string expectedUtc)
    {
        Assert.Null(_validator.Validate(Encoding.UTF8.GetBytes(json), out var id, out var timestamp));
        Assert.Equal(expectedId, id);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc), timestamp);
        Assert.Equal(1455, AuditEventValidator.LegacyMonth(new DateTimeOffset(2021, 4, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(0, AuditEventValidator.LegacyMonth(new DateTimeOffset(1900, 1, 31, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("""{"id":"a","dateTime":1617997828777,"month":1454}""", "'month' 1454 contradicts 'dateTime' 2021-04-09T19:50:28.777Z (month 1455, 2021-04)")]
    [InlineData("""{"ID":"a","DateTime":"2021-05-01T00:00:00Z","Month":1455}""", "'month' 1455 contradicts 'dateTime' 2021-05-01T00:00:00.000Z (month 1456, 2021-05)")]
    [InlineData("""{"id":"a","eventTimestamp":"2026-11-20T08:00:00Z","month":1455}""", "'month' 1455 contradicts 'eventTimestamp' 2026-11-20T08:00:00.000Z (month 1522, 2026-11)")]
    [InlineData("""{"id":"a","dateTime":1617997828777,"month":"April"}""", "'month' April is not a whole number of months since January 1900")]
    [InlineData("""{"id":"a","dateTime":1617997828777,"month":1455.5}""", "'month' 1455.5 is not a whole number of months since January 1900")]
    [InlineData("""{"id":"a","dateTime":1617997828777,"month":null}""", "'month' is a JSON null, not a number")]
    [InlineData("""{"id":"a","dateTime":1617997828777,"month":1455,"Month":1455}""", "event has more than one 'month' property")]
    [InlineData("""{"id":"a","ID":"a","dateTime":1617997828777}""", "event has both 'id' and 'ID'")]
    [InlineData("""{"id":"a","dateTime":1617997828777,"DateTime":1617997828777}""", "event has more than one 'dateTime' property")]
    public void Quarantines_a_legacy_record_whose_month_contradicts_its_date(string json, string expected)
    {
        var rejection = _validator.Validate(Encoding.UTF8.GetBytes(json), out _, out _);
        Assert.Equal(expected, rejection?.Text);
        Assert.Equal(expected.Contains("'ID'") ? RejectionKind.InvalidId : RejectionKind.InvalidTimestamp, rejection!.Kind);
    }

    [Fact]
    public void Event_timestamp_wins_over_received_timestamp()
    {
        Assert.Null(Validate("""{"receivedTimestamp":"2026-11-21T00:00:00Z","id":"a","eventTimestamp":"2026-11-20T00:00:00Z"}""", out var timestamp));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), timestamp);
    }

    [Theory]
    [InlineData("""{"eventTimestamp":"2026-11-20T08:00:00Z"}""", "event has no 'id'")]
    [InlineData("""{"id":"","eventTimestamp":"2026-11-20T08:00:00Z"}""", "'id' is empty")]
    [InlineData("""{"id":"   ","eventTimestamp":"2026-11-20T08:00:00Z"}""", "'id' is empty")]
    [InlineData("""{"id":42,"eventTimestamp":"2026-11-20T08:00:00Z"}""", "'id' is a JSON number, not a string")]
    [InlineData("""{"id":null,"eventTimestamp":"2026-11-20T08:00:00Z"}""", "'id' is a JSON null, not a string")]
    [InlineData("""{"id":"a","id":"b","eventTimestamp":"2026-11-20T08:00:00Z"}""", "event has more than one 'id' property")]
    [InlineData("""{"id":"a\u0001","eventTimestamp":"2026-11-20T08:00:00Z"}""", "'id' contains control characters")]
    [InlineData("""{"id":"a"}""", "event has no timestamp (eventTimestamp, receivedTimestamp or dateTime)")]
    [InlineData("""{"id":"a","eventTimestamp":"yesterday"}""", "'eventTimestamp' \"yesterday\" is neither ISO-8601 nor epoch milliseconds")]
    [InlineData("""{"id":"a","eventTimestamp":"11/20/2026 08:00"}""", "'eventTimestamp' \"11/20/2026 08:00\" is neither ISO-8601 nor epoch milliseconds")]
    [InlineData("""{"id":"a","eventTimestamp":"2026-13-45T08:00:00Z"}""", "'eventTimestamp' \"2026-13-45T08:00:00Z\" is neither ISO-8601 nor epoch milliseconds")]
    [InlineData("""{"id":"a","dateTime":-5}""", "'dateTime' -5 is before 2000-01-01")]
    [InlineData("""{"id":"a","dateTime":1779264000}""", "'dateTime' 1779264000 is before 2000-01-01 (epoch seconds instead of milliseconds?)")]
    [InlineData("""{"id":"a","dateTime":1.5e12}""", "'dateTime' 1.5e12 is not a whole number of epoch milliseconds")]
    [InlineData("""{"id":"a","dateTime":99999999999999999999}""", "'dateTime' 99999999999999999999 is not a whole number of epoch milliseconds")]
    [InlineData("""{"id":"a","eventTimestamp":"2099-01-01T00:00:00Z"}""", "'eventTimestamp' 2099-01-01T00:00:00Z is more than 24 hours in the future")]
    [InlineData("""{"id":"a","eventTimestamp":"1999-12-31T23:59:59Z"}""", "'eventTimestamp' 1999-12-31T23:59:59Z is before 2000-01-01")]
    [InlineData("""{"id":"a","eventTimestamp":true}""", "'eventTimestamp' is a JSON true, not a timestamp")]
    [InlineData("""[{"id":"a"}]""", "event is a JSON array, not an object")]
    [InlineData("null", "event is a JSON null, not an object")]
    [InlineData("""{"id":"a","eventTimestamp":"2026-11-20T08:00:00Z"} {"id":"b"}""", "invalid JSON at byte 51: '{' is invalid after a single JSON value. Expected end of data")]
    [InlineData("{\"id\":\"a\",\"eventTimestamp\":\"2026-11-20T08:00:00Z\"", "invalid JSON: truncated (an object or array is not closed)")]
    public void Rejects_with_a_specific_reason(string json, string expectedReason)
    {
        Assert.Equal(expectedReason, Validate(json, out _));
    }

    [Fact]
    public void Rejects_deep_nesting_oversize_and_invalid_utf8()
    {
        var deep = """{"id":"a","eventTimestamp":"2026-11-20T08:00:00Z","x":""" + new string('[', 10_000) + new string(']', 10_000) + "}";
        Assert.Equal("JSON nesting is deeper than 64 levels", Validate(deep, out _));

        var small = new AuditEventValidator(100, Clock);
        Assert.Equal(new Rejection(RejectionKind.TooLarge, "event is 101 bytes; the limit (MaxEventBytes) is 100"),
            small.Validate(new byte[101], out _, out _));

        var invalidUtf8 = Encoding.UTF8.GetBytes("""{"id":"a","eventTimestamp":"2026-11-20T08:00:00Z","x":"?"}""");
        invalidUtf8[^3] = 0xC3; // a lead byte without its continuation
        Assert.Equal(new Rejection(RejectionKind.Encoding, "event is not valid UTF-8"), _validator.Validate(invalidUtf8, out _, out _));
    }

    [Fact]
    public void Reads_the_id_and_keeps_unknown_fields_untouched()
    {
        var json = """{"unknown":{"id":"nested-not-me"},"id":"the-id","eventTimestamp":"2026-11-20T08:00:00Z","big":12345678901234567890123}""";
        Assert.Null(_validator.Validate(Encoding.UTF8.GetBytes(json), out var id, out _));
        Assert.Equal("the-id", id);
    }
}
