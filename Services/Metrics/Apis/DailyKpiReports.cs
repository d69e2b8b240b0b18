using System.Text;
using System.Text.Json;

namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// Builds <c>GET /api/kpis/daily</c> answers. The all-connector report of a month is ~15,000 items, so the JSON of each
/// closed day is kept (see <see cref="ClosedDayCache{T}"/>) and only today and changed days are read and serialised.
/// </summary>
public sealed class DailyKpiReports(KpiStore store)
{
    /// <summary>How many days back the JSON of closed days is kept (about 220 bytes per connector per day).</summary>
    public const int KeptDays = 92;

    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] Footer = "]}"u8.ToArray();

    private readonly ClosedDayCache<byte[]> _days = new(store, KeptDays);

    public async Task<JsonParts<DailyKpiReport>> GetAsync(
        string? connector, DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parts = new List<byte[]> { Encoding.UTF8.GetBytes($$"""{"from":"{{from:yyyy-MM-dd}}","to":"{{to:yyyy-MM-dd}}","items":[""") };
        void Add(byte[] json)
        {
            if (json.Length > 0)
            {
                if (parts.Count > 1)
                {
                    parts.Add(Comma);
                }
                parts.Add(json);
            }
        }

        if (connector is not null)
        {
            var rows = await store.DailyAsync(connector, from, to, null, cancellationToken);
            Add(Items(rows, 0, rows.Count));
            parts.Add(Footer);
            return new JsonParts<DailyKpiReport>(parts);
        }

        var days = await _days.LookupAsync(from, to, now, cancellationToken);
        var read = days.Missing.Length == 0 ? [] : await store.DailyAsync(null, from, to, days.Missing, cancellationToken);
        var next = 0;
        for (var day = to; day >= from; day = day.AddDays(-1))
        {
            if (!days.Reused.TryGetValue(day, out var json))
            {
                var first = next;
                while (next < read.Count && read[next].Day == day)
                {
                    next++;
                }
                json = Items(read, first, next);
                days.Keep(day, json);
            }
            Add(json);
            if (day == DateOnly.MinValue)
            {
                break;
            }
        }
        parts.Add(Footer);
        return new JsonParts<DailyKpiReport>(parts);
    }

    // Items as JSON array elements without the brackets, so that days can be joined into one array.
    private static byte[] Items(List<DailyKpi> rows, int first, int end) =>
        first == end ? [] : JsonSerializer.SerializeToUtf8Bytes(rows.GetRange(first, end - first), MetricsJsonContext.Default.ListDailyKpi)[1..^1];
}
