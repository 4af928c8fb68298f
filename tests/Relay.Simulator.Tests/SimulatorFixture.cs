using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Providers;

namespace Relay.Simulator.Tests;

/// <summary>One simulator on a real socket for the class, with no pacing unless a test asks for it.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public SimulatorHost Host { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async ValueTask InitializeAsync() =>
        Host = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>An OpenRouterProvider pointed at the simulator, sending the given knobs on every request.</summary>
    public OpenRouterProvider Provider(string? knobs = null)
    {
        var handler = new KnobsHandler(knobs) { InnerHandler = new SocketsHttpHandler() };
        return new OpenRouterProvider(new HttpClient(handler), Options.Create(new OpenRouterOptions { BaseUrl = Host.BaseUrl.ToString() }));
    }

    public static ChatRequest Request(string model = SimulatedModel.DefaultId, string prompt = "Tell me something", int? maxTokens = null) =>
        new() { Model = model, Messages = [ChatMessage.User(prompt)], MaxTokens = maxTokens };

    private sealed class KnobsHandler(string? knobs) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (knobs is not null)
            {
                request.Headers.Add(SimulatorKnobs.HeaderName, knobs);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
