using AuditExport.Ingest;

namespace AuditExport.Tests.Ingest;

public sealed class SequenceRangesTests
{
    [Fact]
    public void Adjacent_and_overlapping_numbers_merge_into_ranges_and_round_trip_as_text()
    {
        var ranges = new SequenceRanges();
        foreach (var n in new long[] { 5, 6, 7, 1, 2, 10, 8 })
        {
            ranges.Add(n);
        }
        Assert.Equal("1-2,5-8,10", ranges.ToString());
        Assert.Equal("1-2,5-8,10", SequenceRanges.Parse(ranges.ToString()).ToString());
        Assert.True(ranges.Contains(6));
        Assert.False(ranges.Contains(3));
        Assert.False(ranges.Contains(9));
        ranges.AddRange(3, 9);
        Assert.Equal("1-10", ranges.ToString());
    }

    [Fact]
    public void Beyond_the_range_limit_the_oldest_ranges_are_forgotten_never_new_ones_assumed()
    {
        var ranges = new SequenceRanges();
        for (long i = 0; i < SequenceRanges.MaxRanges + 5; i++)
        {
            ranges.Add(i * 10);
        }
        Assert.Equal(SequenceRanges.MaxRanges, ranges.Count);
        Assert.False(ranges.Contains(0));
        Assert.True(ranges.Contains((SequenceRanges.MaxRanges + 4) * 10));
        Assert.False(ranges.Contains(5)); // a gap is never filled in
    }

    [Fact]
    public void Empty_text_is_an_empty_ledger()
    {
        Assert.Equal(0, SequenceRanges.Parse(null).Count);
        Assert.Equal("", SequenceRanges.Parse("").ToString());
    }
}
