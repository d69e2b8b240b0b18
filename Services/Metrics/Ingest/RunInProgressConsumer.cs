using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.DeadLetters;
using MassTransit;

namespace ConnectorHealth.Metrics.Ingest;

// Keeps the runs that are still running, in batches as RunCompletedConsumer does: each run's newest progress, until
// its RunCompleted is stored; progress that arrives after that (late, redelivered, taken by another replica) changes
// nothing. A message that breaks the run definition is set aside alone.
public sealed class RunInProgressConsumer(RunningRunWriter writer, BatchIsolation isolation) : IConsumer<Batch<RunInProgress>>
{
    public Task Consume(ConsumeContext<Batch<RunInProgress>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var runs = new List<IncomingProgress>(messages.Count);
        foreach (var message in messages)
        {
            runs.Add(new IncomingProgress(message.Message, MessageTraces.TraceIdOf(message, messages.Count)));
        }
        await writer.StoreAsync(runs, context.CancellationToken);
    });
}
