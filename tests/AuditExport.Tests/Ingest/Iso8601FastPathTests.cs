using AuditExport.Ingest;

namespace AuditExport.Tests.Ingest;

/// <summary>
/// The fast path must never change what a timestamp means: wherever it answers, the general parser (the pattern
/// and the BCL) gives the same instant and offset; where it is not sure, it defers. And it must answer for the
/// shapes real events carry, or it saves nothing.
/// </summary>
public class Iso8601FastPathTests
{
    [Theory]
    [InlineData("2026-11-20T13:30:00Z")]
    [InlineData("2026-11-20T13:30:00.123Z")]
    [InlineData("2026-11-20T13:30:00.1234567Z")]
    [InlineData("2026-11-20T13:30:00.123456789Z")] // beyond 100 ns: truncated
    [InlineData("2026-11-20T13:30:00+05:30")]
    [InlineData("2026-11-20T13:30:00.5-08:00")]
    [InlineData("2026-11-20 13:30:00Z")]
    [InlineData("2026-11-20T13:30Z")]
    [InlineData("2026-11-20T13:30:00")] // no offset: UTC
    [InlineData("2024-02-29T23:59:59.9999999-14:00")]
    [InlineData("0001-01-01T00:00:00+00:00")]
    public void Answers_the_common_shapes_as_the_general_parser_does(string text)
    {
        Assert.True(Iso8601FastPath.TryParse(text, out var fast), text);
        Assert.True(AuditEventValidator.TryParseIso8601General(text, out var general), text);
        Assert.Equal(general, fast);
        Assert.Equal(general.Offset, fast.Offset);
        Assert.Equal(general.UtcTicks, fast.UtcTicks);
    }

    [Theory]
    [InlineData("2026-02-30T10:00:00Z")] // no such day
    [InlineData("2026-11-20T24:00:00Z")]
    [InlineData("2026-11-20T13:60:00Z")]
    [InlineData("2026-11-20T13:30:60Z")]
    [InlineData("2026-11-20T13:30:00+15:00")]
    [InlineData("2026-11-20T13:30:00+14:01")]
    [InlineData("2026-11-20T13:30:00+0530")]
    [InlineData("2026-11-20T13:30:00+05")]
    [InlineData("2026-11-20t13:30:00z")]
    [InlineData("2026-11-20T13:30:00.Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")] // before the first instant once in UTC
    [InlineData("9999-12-31T23:59:59-01:00")] // after the last
    [InlineData("2026-11-20")]
    [InlineData("2026-11-20T13:30:00Z ")]
    [InlineData("٢٠٢٦-11-20T13:30:00Z")] // digits, but not ASCII
    public void Defers_whatever_it_is_not_sure_of(string text)
    {
        Assert.False(Iso8601FastPath.TryParse(text, out _), text);
    }

    [Fact]
    public void Agrees_with_the_general_parser_on_a_hundred_thousand_mutated_timestamps()
    {
        var random = new Random(28);
        var seeds = new[] { "2026-11-20T13:30:00.123Z", "2024-02-29T23:59:59+05:30", "1999-12-31 00:00-14:00", "2026-01-01T00:00:00" };
        const string alphabet = "0123456789:-+.TZ tz";
        var (answered, compared) = (0, 0);
        for (var i = 0; i < 100_000; i++)
        {
            var chars = seeds[random.Next(seeds.Length)].ToCharArray().ToList();
            if (random.Next(2) == 0)
            {
                // The shape kept, the values changed: days past a month's end, hours past 23, offsets past 14 hours.
                for (var edits = random.Next(1, 5); edits > 0; edits--)
                {
                    var at = random.Next(chars.Count);
                    if (char.IsAsciiDigit(chars[at]))
                    {
                        chars[at] = (char)('0' + random.Next(10));
                    }
                }
            }
            else
            {
                for (var edits = random.Next(1, 4); edits > 0; edits--)
                {
                    var at = random.Next(chars.Count + 1);
                    switch (random.Next(3))
                    {
                        case 0 when at < chars.Count: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                        case 1 when at < chars.Count: chars.RemoveAt(at); break;
                        default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    }
                }
            }
            var text = new string([.. chars]);
            if (Iso8601FastPath.TryParse(text, out var fast))
            {
                answered++;
                Assert.True(AuditEventValidator.TryParseIso8601General(text, out var general), $"the fast path accepted \"{text}\", the general parser does not");
                Assert.True(general == fast && general.Offset == fast.Offset, $"\"{text}\": fast {fast:O}, general {general:O}");
                compared++;
            }
        }
        Assert.True(answered > 20_000, $"the fast path answered only {answered} of 100,000"); // half the mutations keep the shape
        Assert.Equal(answered, compared);
    }
}
