namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>One node of the local RabbitMQ (<see cref="LocalRabbitMQ.Nodes"/>): its Erlang node name, ports and data.</summary>
public sealed record LocalRabbitMQNode(int Number, string Name, int Port, int DistPort, string DataDirectory);
