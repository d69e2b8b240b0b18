using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Metrics.Ingest;

// Stores runs in batches, so ingest keeps up with bursts: one transaction per batch. Each run counts once: a
// redelivered or duplicated message finds its RunId in the ledger and changes nothing. A run that breaks the run
// definition, or that the database refuses, is set aside alone; its batch-mates are stored.
public sealed class RunCompletedConsumer(RunWriter writer, BatchIsolation isolation) : IConsumer<Batch<RunCompleted>>
{
    public Task Consume(ConsumeContext<Batch<RunCompleted>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var runs = new List<IncomingRun>(messages.Count);
        foreach (var message in messages)
        {
            runs.Add(new IncomingRun(message.Message, MessageTraces.TraceIdOf(message, messages.Count)));
        }
        await writer.StoreAsync(runs, context.CancellationToken);
    });
}
