using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Contracts;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>The drift service's events, in batches, into schema drift alerts.</summary>
public sealed class SchemaDriftDetectedConsumer(AlertEngine engine, AlertAnnouncer announcer, BatchIsolation isolation)
    : IConsumer<Batch<SchemaDriftDetected>>
{
    public Task Consume(ConsumeContext<Batch<SchemaDriftDetected>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var changes = await engine.ProcessDriftAsync([.. messages.Select(m => m.Message)], context.CancellationToken);
        await announcer.AnnounceAsync(context, changes, context.CancellationToken);
    });
}
