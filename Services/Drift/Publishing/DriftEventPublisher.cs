using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Drift.Publishing;

/// <summary>
/// Publishes drift events as <see cref="SchemaDriftDetected"/>. Events are stored before they are published (in the
/// batch's transaction), so none is lost: the consumer publishes right after its commit, and this sweep publishes
/// whatever that missed (a broker outage, a crash in between). Alerting may see an event twice; <c>EventId</c> tells.
/// The unpublished events are this service's publish backlog, which its health reports.
/// </summary>
public sealed partial class DriftEventPublisher(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<DriftOptions> options,
    TimeProvider time,
    ILogger<DriftEventPublisher> logger) : PeriodicWork(time, logger), IPublishBacklogSource
{
    private const int SweepBatch = 500;

    // Events younger than this are left to the consumer that stored them.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    // Kept in fields rather than captured: the base loop is given them too.
    private readonly TimeProvider _time = time;
    private readonly ILogger<DriftEventPublisher> _logger = logger;

    private PublishBacklog _backlog = new(0, null);

    public PublishBacklog Current => _backlog;

    /// <summary>Publishes events just committed; a failure is logged and left to the sweep.</summary>
    public async Task PublishAsync(IPublishEndpoint endpoint, IReadOnlyList<SchemaDriftDetected> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        try
        {
            foreach (var message in events)
            {
                await endpoint.Publish(message, cancellationToken);
            }
            await MarkPublishedAsync(events.Select(message => message.EventId).ToArray(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPublishDeferred(_logger, ex, events.Count);
        }
    }

    /// <summary>One sweep: publishes up to <see cref="SweepBatch"/> events left unpublished; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var pending = new List<SchemaDriftDetected>();
        await using (var command = dataSource.CreateCommand(
            $"""
            SELECT {DriftEventRows.Columns} FROM drift.drift_events e
            WHERE e.notify AND e.published_at IS NULL AND e.detected_at < $1
            ORDER BY e.event_id LIMIT {SweepBatch}
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = _time.GetUtcNow() - Grace, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                pending.Add(DriftEventRows.Read(reader));
            }
        }
        if (pending.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
            foreach (var message in pending)
            {
                await bus.Publish(message, cancellationToken);
            }
            await MarkPublishedAsync(pending.Select(message => message.EventId).ToArray(), cancellationToken);
            LogSwept(_logger, pending.Count);
        }
        await MeasureBacklogAsync(cancellationToken);
        return pending.Count;
    }

    protected override TimeSpan Interval => options.Value.PublishSweepInterval;

    // A full sweep means more may be waiting (a backlog after an outage): the next one runs at once.
    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken) =>
        await SweepAsync(stoppingToken) == SweepBatch;

    private async Task MarkPublishedAsync(long[] eventIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE drift.drift_events SET published_at = $2 WHERE event_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = eventIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = _time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task MeasureBacklogAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), min(detected_at) FROM drift.drift_events WHERE notify AND published_at IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        const int unpublished = 0, oldestDetectedAt = 1;
        var count = reader.GetInt64(unpublished);
        TimeSpan? age = reader.IsDBNull(oldestDetectedAt) ? null : _time.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(oldestDetectedAt);
        _backlog = new PublishBacklog(count, age);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} drift event(s) failed; the sweep publishes them later")]
    private static partial void LogPublishDeferred(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Count} drift event(s) left unpublished")]
    private static partial void LogSwept(ILogger logger, int count);
}
