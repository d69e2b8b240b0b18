using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Drift events in batches as runs are: up to 100, or whatever arrived within 50 ms of the first.</summary>
public sealed class SchemaDriftDetectedConsumerDefinition : ConsumerDefinition<SchemaDriftDetectedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<SchemaDriftDetectedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(2));
}
