using System.Diagnostics;
using ConnectorHealth.Contracts;
using MassTransit;

namespace ConnectorHealth.Metrics;

/// <summary>Stores each run once: a redelivered or duplicated message finds its run already there.</summary>
public sealed partial class RunCompletedConsumer(RunStore store, ILogger<RunCompletedConsumer> logger)
    : IConsumer<RunCompleted>
{
    public async Task Consume(ConsumeContext<RunCompleted> context)
    {
        var run = context.Message;
        var inserted = await store.AddAsync(run, Activity.Current?.TraceId.ToHexString(), context.CancellationToken);
        if (inserted)
        {
            LogStored(logger, run.RunId, run.Connector, run.Status);
        }
        else
        {
            LogDuplicate(logger, run.RunId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored run {RunId} of {Connector} ({Status})")]
    private static partial void LogStored(ILogger logger, Guid runId, string connector, RunStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was already stored; duplicate ignored")]
    private static partial void LogDuplicate(ILogger logger, Guid runId);
}
