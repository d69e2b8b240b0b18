using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    /// <summary>
    /// Configures MassTransit on RabbitMQ the one way every service uses: the <c>messaging</c> connection string,
    /// kebab-case queue names prefixed with the service's name (so two services consuming the same message
    /// get a queue each), in-memory retries on every endpoint, then the <c>_error</c> queue.
    /// </summary>
    public static TBuilder AddMessaging<TBuilder>(
        this TBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.Messaging)
            ?? throw new InvalidOperationException(
                $"Connection string '{ResourceNames.Messaging}' is missing: run the service from the AppHost, "
                + $"or set ConnectionStrings__{ResourceNames.Messaging} to an amqp:// URI.");
        var broker = new Uri(connectionString);

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            configure?.Invoke(bus);

            // Debian's RabbitMQ has no delayed-exchange plugin, so no delayed redelivery: retry in memory,
            // then the message goes to <queue>_error, from where it can be re-driven.
            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
                endpoint.UseMessageRetry(retry => retry.Intervals(100, 500, 2_000, 5_000)));

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port), VirtualHost(broker), host =>
                {
                    var (user, password) = Credentials(broker);
                    host.Username(user);
                    host.Password(password);
                });
                rabbit.ConfigureEndpoints(context);
            });
        });

        return builder;
    }

    private static string VirtualHost(Uri broker)
    {
        var path = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
        return path.Length == 0 ? "/" : path;
    }

    private static (string User, string Password) Credentials(Uri broker)
    {
        if (string.IsNullOrEmpty(broker.UserInfo))
        {
            return ("guest", "guest");
        }

        var parts = broker.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }
}
