using ConnectorHealth.Contracts;
using MassTransit;
using Npgsql;

namespace ConnectorHealth.Alerting;

/// <summary>Takes in each run once; health rules and alert lifecycle build on this record.</summary>
public sealed partial class RunCompletedConsumer(NpgsqlDataSource dataSource, ILogger<RunCompletedConsumer> logger)
    : IConsumer<RunCompleted>
{
    public async Task Consume(ConsumeContext<RunCompleted> context)
    {
        var run = context.Message;
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO alerting.received_runs (run_id, connector, finished_at)
            VALUES ($1, $2, $3)
            ON CONFLICT (run_id) DO NOTHING
            """);
        command.Parameters.AddWithValue(run.RunId);
        command.Parameters.AddWithValue(run.Connector);
        command.Parameters.AddWithValue(run.FinishedAt.ToUniversalTime());
        var isNew = await command.ExecuteNonQueryAsync(context.CancellationToken) == 1;
        LogReceived(logger, run.RunId, run.Connector, isNew);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Received run {RunId} of {Connector} (new: {IsNew})")]
    private static partial void LogReceived(ILogger logger, Guid runId, string connector, bool isNew);
}
