using System.Globalization;
using System.Text;

namespace AuditExport.Ingest;

/// <summary>
/// The Event Hub sequence numbers already stored from one partition, as sorted, merged ranges
/// ("0-499,750-999"). Normally one range; gaps appear only when the host skipped events. When there are
/// more than <see cref="MaxRanges"/>, the oldest are forgotten: a very old redelivery may then be stored
/// twice, but nothing new is ever mistaken for a duplicate.
/// </summary>
public sealed class SequenceRanges
{
    public const int MaxRanges = 64;
    private readonly List<(long From, long To)> _ranges = [];

    /// <exception cref="FormatException">The text is not a list of ranges of whole numbers from 0 up.</exception>
    public static SequenceRanges Parse(string? text) =>
        TryParse(text, out var ranges) ? ranges : throw new FormatException($"'{Shorten(text)}' is not a list of sequence number ranges such as 0-499,750-999.");

    public static bool TryParse(string? text, out SequenceRanges ranges)
    {
        ranges = new SequenceRanges();
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-', 2);
            if (!long.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                return false;
            }
            var to = from;
            if (bounds.Length > 1 && (!long.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out to) || to < from))
            {
                return false;
            }
            ranges.AddRange(from, to);
        }
        return true;
    }

    private static string? Shorten(string? text) => text is { Length: > 80 } ? text[..80] + "…" : text;

    public int Count => _ranges.Count;

    public bool Contains(long sequence)
    {
        foreach (var (from, to) in _ranges)
        {
            if (sequence >= from && sequence <= to)
            {
                return true;
            }
        }
        return false;
    }

    public void Add(long sequence) => AddRange(sequence, sequence);

    public void AddRange(long from, long to)
    {
        _ranges.Add((from, to));
        _ranges.Sort();
        var merged = new List<(long From, long To)>();
        foreach (var range in _ranges)
        {
            if (merged.Count > 0 && range.From <= merged[^1].To + 1)
            {
                merged[^1] = (merged[^1].From, Math.Max(merged[^1].To, range.To));
            }
            else
            {
                merged.Add(range);
            }
        }
        if (merged.Count > MaxRanges)
        {
            merged.RemoveRange(0, merged.Count - MaxRanges);
        }
        _ranges.Clear();
        _ranges.AddRange(merged);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (from, to) in _ranges)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(from.ToString(CultureInfo.InvariantCulture));
            if (to != from)
            {
                text.Append('-').Append(to.ToString(CultureInfo.InvariantCulture));
            }
        }
        return text.ToString();
    }
}
