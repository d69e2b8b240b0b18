using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using ConnectorHealth.IntegrationTests.Infrastructure;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port, plain text, that takes a login (AUTH PLAIN or
/// LOGIN) with one user name and password and keeps every message it is given, with the user who sent it.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private Task? _running;

    public SmtpTestServer(string username, string password)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).AllowUnsecureAuthentication())
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Login(username, password));
        _server = new SmtpServer.SmtpServer(options, services);
    }

    public int Port { get; } = TestPorts.Free();

    public ConcurrentQueue<(string? User, MimeMessage Message)> Received { get; } = new();

    public void Start() => _running = _server.StartAsync(_stop.Token);

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        _stop.Dispose();
    }

    private sealed class Store(SmtpTestServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            server.Received.Enqueue((context.Authentication.IsAuthenticated ? context.Authentication.User : null, message));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Login(string expectedUser, string expectedPassword) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken) =>
            Task.FromResult(user == expectedUser && password == expectedPassword);
    }
}
