using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Contracts;
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

/// <summary>Batches of up to 100 messages, or whatever arrived within 50 ms of the first.</summary>
public sealed class RunCompletedConsumerDefinition : ConsumerDefinition<RunCompletedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RunCompletedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(2));
}

public sealed class SchemaDriftDetectedConsumerDefinition : ConsumerDefinition<SchemaDriftDetectedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SchemaDriftDetectedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(2));
}
