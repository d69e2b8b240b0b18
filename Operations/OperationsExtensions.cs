using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In the hosting namespace, beside AddServiceDefaults and AddMessaging, so each service finds it without a using.
namespace Microsoft.Extensions.Hosting;

public static class OperationsExtensions
{
    /// <summary>
    /// Opts a service that uses <c>AddMessaging</c> into the operations of its pipeline: the broker admin (its own
    /// connection to the <c>messaging</c> broker), a dead-letter store per receive endpoint's error queue, batch isolation
    /// (a failing message of a batch is set aside alone), the last-consumed and in-flight observers, the background
    /// sampler, the health checks (stalled consumers, growing dead-letter stores, stuck publish backlog, messages held
    /// in flight; tag "ready") and what <c>MapOperations</c> serves. Options: section <c>Pipeline</c>
    /// (<see cref="PipelineOptions"/>).
    /// </summary>
    public static TBuilder AddOperations<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        var broker = builder.Configuration.GetBrokerUri();
        var services = builder.Services;
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new PipelineService(serviceName));
        services.AddSingleton(sp => new RabbitMqBrokerAdmin(
            broker, sp.GetRequiredService<ILogger<RabbitMqBrokerAdmin>>(), MessagingOptions.From(builder.Configuration)));
        services.AddSingleton<ReceiveEndpoints>();
        // MassTransit applies every IConfigureReceiveEndpoint in the container to each endpoint it configures.
        services.AddSingleton<IConfigureReceiveEndpoint, ReceiveEndpointRecorder>();
        services.AddSingleton<PipelineMonitor>();
        services.AddSingleton<DeadLetterStores>();
        services.AddSingleton<BatchIsolation>();
        services.AddSingleton<SystemStateReader>();
        services.AddSingleton<LastConsumedObserver>();
        services.AddReceiveObserver(sp => sp.GetRequiredService<LastConsumedObserver>());
        services.AddSingleton<InFlightDeliveries>();
        services.AddReceiveObserver(sp => sp.GetRequiredService<InFlightDeliveries>());
        services.AddHostedService<PipelineSampler>();
        services.AddHealthChecks()
            .AddCheck<ConsumersHealthCheck>(ConsumersHealthCheck.Name, tags: ["ready"])
            .AddCheck<DeadLetterGrowthHealthCheck>(DeadLetterGrowthHealthCheck.Name, tags: ["ready"])
            .AddCheck<PublishBacklogHealthCheck>(PublishBacklogHealthCheck.Name, tags: ["ready"])
            .AddCheck<InFlightHealthCheck>(InFlightHealthCheck.Name, tags: ["ready"]);
        return builder;
    }
}
