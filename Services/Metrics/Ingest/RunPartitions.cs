using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Ingest;

// Creates the monthly partitions of runs and attempts before rows land in them, remembering which months exist so
// that a batch costs no round trip once its month is there. At most a few dozen months are remembered: retention
// drops old ones and then calls Forget.
public sealed class RunPartitions(NpgsqlDataSource dataSource)
{
    private readonly ConcurrentDictionary<DateOnly, bool> _known = new();

    public static DateOnly MonthOf(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return new DateOnly(utc.Year, utc.Month, 1);
    }

    public async Task EnsureAsync(IEnumerable<DateOnly> months, CancellationToken cancellationToken)
    {
        var missing = months.Select(m => new DateOnly(m.Year, m.Month, 1)).Distinct().Where(m => !_known.ContainsKey(m)).ToArray();
        if (missing.Length == 0)
        {
            return;
        }

        // Its own short transaction: creating a partition locks the parent table, which must not last a whole batch.
        await using var command = dataSource.CreateCommand("SELECT metrics.ensure_run_partitions($1)");
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = missing, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        await command.ExecuteNonQueryAsync(cancellationToken);
        foreach (var month in missing)
        {
            _known[month] = true;
        }
    }

    // Forgets which partitions exist (after retention dropped some).
    public void Forget() => _known.Clear();
}
