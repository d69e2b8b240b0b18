using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Runs, in batches, into the alert rules; the alerts opened and resolved are published after the commit.</summary>
/// <remarks>A message that fails for its own content is set aside alone in the error queue; its batch-mates are taken in.</remarks>
public sealed class RunCompletedConsumer(AlertEngine engine, AlertAnnouncer announcer, BatchIsolation isolation) : IConsumer<Batch<RunCompleted>>
{
    public Task Consume(ConsumeContext<Batch<RunCompleted>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var changes = await engine.ProcessRunsAsync([.. messages.Select(m => m.Message)], context.CancellationToken);
        await announcer.AnnounceAsync(context, changes, context.CancellationToken);
    });
}
