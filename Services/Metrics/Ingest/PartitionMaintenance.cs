using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Ingest;

// Keeps the monthly partitions of raw runs in shape: creates this month's and next month's ahead of the first run,
// and applies retention by dropping whole months whose runs are all older than MetricsOptions.RawRunRetention
// (the rollups stay). Safe with several replicas: the SQL functions serialise on an advisory lock and are idempotent.
public sealed partial class PartitionMaintenance(
    NpgsqlDataSource dataSource,
    RunPartitions partitions,
    IOptions<MetricsOptions> options,
    TimeProvider time,
    ILogger<PartitionMaintenance> logger) : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => options.Value.MaintenanceInterval;

    // One round: ensure the coming partitions, drop the expired ones. Returns the months dropped.
    public async Task<IReadOnlyList<DateOnly>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        await partitions.EnsureAsync([thisMonth, thisMonth.AddMonths(1)], cancellationToken);

        var cutoff = now - options.Value.RawRunRetention;
        await using var command = dataSource.CreateCommand("SELECT metrics.drop_run_partitions_before($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = cutoff, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var dropped = new List<DateOnly>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                dropped.Add(reader.GetFieldValue<DateOnly>(0));
            }
        }
        // Runs that started before retention and never finished (their producer died): nothing will end them now.
        await using (var abandoned = dataSource.CreateCommand("DELETE FROM metrics.runs_in_progress WHERE started_at < $1"))
        {
            abandoned.Parameters.Add(new NpgsqlParameter { Value = cutoff, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await abandoned.ExecuteNonQueryAsync(cancellationToken);
        }
        if (dropped.Count > 0)
        {
            partitions.Forget();
            LogDropped(Logger, dropped.Count, string.Join(", ", dropped.Select(m => m.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture))), cutoff);
        }
        return dropped;
    }

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        await RunOnceAsync(stoppingToken);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention dropped {Count} month(s) of raw runs ({Months}): older than {Cutoff}")]
    private static partial void LogDropped(ILogger logger, int count, string months, DateTimeOffset cutoff);
}
