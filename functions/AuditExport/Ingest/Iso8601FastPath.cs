namespace AuditExport.Ingest;

/// <summary>
/// The shapes nearly every audit event's timestamp has, parsed by position: <c>yyyy-MM-ddThh:mm[:ss[.fraction]]</c>
/// (or a space for T) with <c>Z</c>, <c>±hh:mm</c> or no offset (UTC). Anything else, and any value out of range
/// (a 30 February, an hour 24, an offset past 14 hours), is left to the general parser, which decides:
/// false here means "not sure", never "invalid".
/// </summary>
internal static class Iso8601FastPath
{
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 16 || text[4] != '-' || text[7] != '-' || text[10] is not ('T' or ' ') || text[13] != ':'
            || !TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute))
        {
            return false;
        }
        var position = 16;
        var second = 0;
        long fractionTicks = 0;
        if (position < text.Length && text[position] == ':')
        {
            if (text.Length < position + 3 || !TryDigits(text.Slice(position + 1, 2), out second))
            {
                return false;
            }
            position += 3;
            if (position < text.Length && text[position] == '.')
            {
                position++;
                var digits = 0;
                while (position < text.Length && char.IsAsciiDigit(text[position]))
                {
                    if (digits < 7) // 100 ns; further digits are truncated, as the general parser's caller does
                    {
                        fractionTicks = fractionTicks * 10 + (text[position] - '0');
                        digits++;
                    }
                    position++;
                }
                if (digits == 0)
                {
                    return false;
                }
                for (; digits < 7; digits++)
                {
                    fractionTicks *= 10;
                }
            }
        }
        var offsetMinutes = 0;
        if (position < text.Length && text[position..] is not "Z" && !TryOffset(text[position..], out offsetMinutes))
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var local = new DateTime(year, month, day, hour, minute, second).Ticks + fractionTicks;
        var utc = local - offsetMinutes * TimeSpan.TicksPerMinute;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        value = new DateTimeOffset(utc, TimeSpan.Zero);
        return true;
    }

    /// <summary><c>±hh:mm</c> within the ±14 hours an offset may be.</summary>
    private static bool TryOffset(ReadOnlySpan<char> text, out int minutes)
    {
        minutes = 0;
        if (text.Length != 6 || text[0] is not ('+' or '-') || text[3] != ':'
            || !TryDigits(text.Slice(1, 2), out var hours) || !TryDigits(text.Slice(4, 2), out var rest) || rest > 59 || hours * 60 + rest > 14 * 60)
        {
            return false;
        }
        minutes = (text[0] == '-' ? -1 : 1) * (hours * 60 + rest);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
