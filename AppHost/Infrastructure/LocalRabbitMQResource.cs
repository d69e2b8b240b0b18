using System.Globalization;

namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>The machine's RabbitMQ node, run by the AppHost in the foreground.</summary>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string User = "connectorhealth";

    public int Port { get; } = port;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{User}:{Password}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
}
