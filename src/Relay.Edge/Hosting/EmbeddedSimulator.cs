using Relay.Simulator;

namespace Relay.Edge;

/// <summary>
/// The built-in upstream used when neither OPENROUTER_API_KEY nor OPENROUTER_BASE_URL is set, so a newcomer
/// gets streamed answers with no key and no set-up. Started before the server accepts requests.
/// </summary>
internal sealed class EmbeddedSimulator(ILogger<EmbeddedSimulator> logger) : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<Uri> _baseUrl = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SimulatorHost? _host;

    /// <summary>The simulator's OpenRouter-compatible base URL, once started.</summary>
    public Task<Uri> BaseUrl => _baseUrl.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        EdgeLog.UsingSimulator(logger);
        _host = await SimulatorHost.StartAsync(cancellationToken: cancellationToken);
        _baseUrl.TrySetResult(_host.BaseUrl);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
