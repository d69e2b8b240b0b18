using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Runs in progress, in batches, into the stuck_run rule (a run already completed is ignored).</summary>
public sealed class RunInProgressConsumer(AlertEngine engine, AlertAnnouncer announcer, BatchIsolation isolation) : IConsumer<Batch<RunInProgress>>
{
    public Task Consume(ConsumeContext<Batch<RunInProgress>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var changes = await engine.ProcessProgressAsync([.. messages.Select(m => m.Message)], context.CancellationToken);
        await announcer.AnnounceAsync(context, changes, context.CancellationToken);
    });
}
