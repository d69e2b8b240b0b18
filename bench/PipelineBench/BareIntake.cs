using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.PipelineBench;

// The floor to compare report intake with: Kestrel in this process on 127.0.0.1 and a free port, one POST /api/runs that
// reads the body to its end and answers 202 — no gateway, key check, rate limit, validation or database.
internal sealed class BareIntake : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareIntake(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BareIntake> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/api/runs", ReadAndAccept);
        await app.StartAsync();
        // The address Kestrel bound, with the port it was given.
        return new BareIntake(app, new Uri(app.Urls.Single()));
    }

    private static async Task<IResult> ReadAndAccept(HttpRequest request, CancellationToken cancellationToken)
    {
        await request.Body.CopyToAsync(Stream.Null, cancellationToken);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
