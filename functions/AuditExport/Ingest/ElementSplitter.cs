using System.Text.Json;

namespace AuditExport.Ingest;

/// <summary>
/// Splits one delivered element into events. An element is one JSON object, a JSON array of objects,
/// or JSON Lines (one object per line; blank lines ignored). Each resulting event is validated;
/// whatever cannot be an event is rejected with a reason and its position (element, item).
/// </summary>
public sealed class ElementSplitter(AuditEventValidator validator)
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// A message whose items are rejected more than once is quarantined as one record: its exact bytes once, the
    /// count and the reasons by kind. One item, one record would let a 42 KB message of 14,000 <c>{}</c> cost
    /// 14,000 blobs and rows (measured: 623 s, past the write deadline, so its partition never moved on).
    /// </summary>
    public void Split(DeliveredElement element, List<AuditEvent> accepted, List<RejectedInput> rejected)
    {
        var (acceptedBefore, rejectedBefore) = (accepted.Count, rejected.Count);
        SplitItems(element, accepted, rejected);
        var rejectedItems = rejected.Count - rejectedBefore;
        if (rejectedItems > 1)
        {
            var items = rejected.GetRange(rejectedBefore, rejectedItems);
            rejected.RemoveRange(rejectedBefore, rejectedItems);
            rejected.Add(Combined(element, items, accepted.Count - acceptedBefore));
        }
    }

    private static RejectedInput Combined(DeliveredElement element, List<RejectedInput> items, int acceptedItems)
    {
        var byKind = items.GroupBy(i => i.Kind).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var reasons = string.Join("; ", byKind.Take(5).Select(g => $"{g.Count()} {g.Key} (first, item {g.First().ItemIndex}: {g.First().Reason})"));
        var reason = $"{items.Count} of {items.Count + acceptedItems} items in this message cannot be stored" +
            (acceptedItems > 0 ? $" ({acceptedItems} were stored as events)" : "") + $"; the message is kept whole: {reasons}";
        return new RejectedInput(element.Body, new(byKind[0].Key, reason), element.Index, 0) { Items = items.Count };
    }

    private void SplitItems(DeliveredElement element, List<AuditEvent> accepted, List<RejectedInput> rejected)
    {
        var item = 0;
        var body = element.Body;
        if (element.ReadError is not null)
        {
            rejected.Add(new RejectedInput(body, element.ReadError, element.Index, 0));
            return;
        }
        if (body.Span.StartsWith(Utf8Bom))
        {
            rejected.Add(new RejectedInput(body, new(RejectionKind.Encoding, "event starts with a UTF-8 byte order mark"), element.Index, 0));
            return;
        }
        if (body.Length >= 2 && (body.Span[0] == 0 || body.Span[1] == 0 || body.Span.StartsWith((byte[])[0xFF, 0xFE]) || body.Span.StartsWith((byte[])[0xFE, 0xFF])))
        {
            rejected.Add(new RejectedInput(body, new(RejectionKind.Encoding, "event is not UTF-8 (looks like UTF-16)"), element.Index, 0));
            return;
        }

        var trimmed = Trim(body);
        if (trimmed.Length == 0)
        {
            rejected.Add(new RejectedInput(body, new(RejectionKind.InvalidJson, "event is empty"), element.Index, 0));
            return;
        }
        if (trimmed.Length > validator.MaxEventBytes)
        {
            // A message larger than any event may be is not parsed at all (this also bounds a transaction).
            rejected.Add(new RejectedInput(trimmed, new(RejectionKind.TooLarge, $"message is {trimmed.Length} bytes; the limit (MaxEventBytes) is {validator.MaxEventBytes}"), element.Index, 0));
            return;
        }

        if (trimmed.Span[0] == (byte)'{')
        {
            // The common case, one object: validation reads it once, trailing content included. Only when that
            // fails as JSON and there are several lines is it read again, as JSON Lines.
            var reason = validator.Validate(trimmed.Span, out var id, out var timestamp);
            if (reason is null)
            {
                accepted.Add(new AuditEvent(trimmed, id, timestamp, element.Index, item));
                return;
            }
            if (!reason.Text.StartsWith("invalid JSON", StringComparison.Ordinal) || trimmed.Span.IndexOf((byte)'\n') < 0)
            {
                rejected.Add(new RejectedInput(trimmed, reason, element.Index, item));
                return;
            }
        }
        else if (IsSingleJsonValue(trimmed.Span, out var isArray))
        {
            AddValue(trimmed, isArray, element.Index, ref item, accepted, rejected);
            return;
        }
        if (trimmed.Span.IndexOf((byte)'\n') >= 0)
        {
            foreach (var line in Lines(trimmed))
            {
                var lineValue = Trim(line);
                if (lineValue.Length == 0)
                {
                    continue;
                }
                var lineIsArray = lineValue.Span[0] == (byte)'[' && IsSingleJsonValue(lineValue.Span, out _);
                AddValue(lineValue, lineIsArray, element.Index, ref item, accepted, rejected);
            }
            return;
        }
        AddValue(trimmed, false, element.Index, ref item, accepted, rejected);
    }

    private void AddValue(ReadOnlyMemory<byte> value, bool isArray, int elementIndex, ref int item,
        List<AuditEvent> accepted, List<RejectedInput> rejected)
    {
        if (!isArray)
        {
            AddEvent(value, elementIndex, item++, accepted, rejected);
            return;
        }
        var itemIndexOfArray = 0;
        foreach (var range in ArrayItems(value.Span))
        {
            var itemBytes = value[range];
            if (itemBytes.Span[0] != (byte)'{')
            {
                rejected.Add(new RejectedInput(itemBytes, new(RejectionKind.InvalidJson, $"array item {itemIndexOfArray} is not a JSON object"), elementIndex, item++));
            }
            else
            {
                AddEvent(itemBytes, elementIndex, item++, accepted, rejected);
            }
            itemIndexOfArray++;
        }
        if (itemIndexOfArray == 0)
        {
            rejected.Add(new RejectedInput(value, new(RejectionKind.InvalidJson, "event is an empty JSON array"), elementIndex, item++));
        }
    }

    private void AddEvent(ReadOnlyMemory<byte> raw, int elementIndex, int item, List<AuditEvent> accepted, List<RejectedInput> rejected)
    {
        var reason = validator.Validate(raw.Span, out var id, out var timestamp);
        if (reason is null)
        {
            accepted.Add(new AuditEvent(raw, id, timestamp, elementIndex, item));
        }
        else
        {
            rejected.Add(new RejectedInput(raw, reason, elementIndex, item));
        }
    }

    private static bool IsSingleJsonValue(ReadOnlySpan<byte> bytes, out bool isArray)
    {
        isArray = false;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = AuditEventValidator.MaxDepth });
            if (!reader.Read())
            {
                return false;
            }
            isArray = reader.TokenType == JsonTokenType.StartArray;
            reader.Skip();
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static List<Range> ArrayItems(ReadOnlySpan<byte> array)
    {
        var items = new List<Range>();
        var reader = new Utf8JsonReader(array, new JsonReaderOptions { MaxDepth = AuditEventValidator.MaxDepth });
        reader.Read(); // [
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            items.Add(new Range(start, (int)reader.BytesConsumed));
        }
        return items;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> text)
    {
        var start = 0;
        while (start <= text.Length)
        {
            var newline = text.Span[start..].IndexOf((byte)'\n');
            var end = newline < 0 ? text.Length : start + newline;
            yield return text[start..end];
            start = end + 1;
        }
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        int start = 0, end = span.Length;
        while (start < end && IsJsonWhitespace(span[start]))
        {
            start++;
        }
        while (end > start && IsJsonWhitespace(span[end - 1]))
        {
            end--;
        }
        return bytes[start..end];
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
