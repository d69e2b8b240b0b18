using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConnectorHealth.Alerting.Receivers;

public static class ReceiverRegistration
{
    /// <summary>
    /// Registers a sender for every receiver format (webhook, Slack, PagerDuty, Teams, e-mail) and
    /// <see cref="ReceiverSenders"/>, which picks among them. The HTTP senders post through the named client
    /// <see cref="ReceiverSenders.HttpClientName"/>; configure it (timeouts, resilience) where the service is set up.
    /// </summary>
    public static IServiceCollection AddReceiverSenders(this IServiceCollection services)
    {
        services.AddHttpClient();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IReceiverSender, GenericWebhookSender>(),
            ServiceDescriptor.Singleton<IReceiverSender, SlackSender>(),
            ServiceDescriptor.Singleton<IReceiverSender, PagerDutySender>(),
            ServiceDescriptor.Singleton<IReceiverSender, TeamsSender>(),
            ServiceDescriptor.Singleton<IReceiverSender, EmailSender>(),
        ]);
        services.TryAddSingleton<ReceiverSenders>();
        return services;
    }
}
