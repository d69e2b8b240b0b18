using MassTransit;

namespace ConnectorHealth.Alerting.Ingest;

/// <summary>Batches of up to 100 messages, or whatever arrived within 50 ms of the first.</summary>
public sealed class RunCompletedConsumerDefinition : ConsumerDefinition<RunCompletedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<RunCompletedConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(batch => batch.SetMessageLimit(100).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(2));
}
