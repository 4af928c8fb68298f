using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Relay.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards to a target and does harm on demand: reset after n response bytes
/// (a real RST: linger 0, then close), delay, throttle to a bandwidth, stall. Behaviours are queued for the
/// next connections; once the queue is empty, connections pass through.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentQueue<FaultBehavior> _next = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private long _connections;
    private long _resets;
    private long _responseBytes;

    public FaultProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = new IPEndPoint(IPAddress.Parse(target.Host == "localhost" ? "127.0.0.1" : target.Host), target.Port);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's root URL.</summary>
    public Uri Url { get; }

    /// <summary>Connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections reset by a behaviour so far.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>Response bytes forwarded so far, on every connection.</summary>
    public long ResponseBytes => Interlocked.Read(ref _responseBytes);

    /// <summary>Applies <paramref name="behavior"/> to the next connection not yet claimed.</summary>
    public void Next(FaultBehavior behavior) => _next.Enqueue(behavior);

    /// <summary>Resets (RST) every connection open now, as a dropped network would; later ones pass as queued.</summary>
    public void ResetOpen()
    {
        foreach (var client in _open.Keys)
        {
            Interlocked.Increment(ref _resets);
            client.Client.LingerState = new LingerOption(true, 0);
            client.Client.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            var behavior = _next.TryDequeue(out var b) ? b : FaultBehavior.PassThrough;
            _ = Task.Run(() => HandleAsync(client, behavior));
        }
    }

    private async Task HandleAsync(TcpClient client, FaultBehavior behavior)
    {
        using var upstream = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        using (client)
        {
            _open.TryAdd(client, 0);
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var request = CopyAsync(client.GetStream(), upstream.GetStream(), done.Token);
                var response = ForwardResponseAsync(upstream.GetStream(), client, behavior, done.Token);
                await Task.WhenAny(request, response);
                await done.CancelAsync();
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // One side went away: so does the other.
            }
            finally
            {
                _open.TryRemove(client, out _);
            }
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task ForwardResponseAsync(Stream from, TcpClient client, FaultBehavior behavior, CancellationToken cancellationToken)
    {
        var to = client.GetStream();
        var piece = behavior.BytesPerSecond is { } bps ? Math.Clamp(bps / 20, 1, 16 * 1024) : 16 * 1024;
        var buffer = new byte[piece];
        long sent = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var n = read;
            if (behavior.ResetAfterBytes is { } limit && sent + n >= limit)
            {
                await to.WriteAsync(buffer.AsMemory(0, (int)(limit - sent)), cancellationToken);
                Interlocked.Add(ref _responseBytes, limit - sent);
                Interlocked.Increment(ref _resets);
                client.Client.LingerState = new LingerOption(true, 0);
                client.Client.Close();
                return;
            }

            if (behavior.StallAfterBytes is { } stall && sent + n >= stall)
            {
                await to.WriteAsync(buffer.AsMemory(0, (int)(stall - sent)), cancellationToken);
                Interlocked.Add(ref _responseBytes, stall - sent);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (behavior.Delay > TimeSpan.Zero)
            {
                await Task.Delay(behavior.Delay, cancellationToken);
            }

            await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            sent += n;
            Interlocked.Add(ref _responseBytes, n);
            if (behavior.BytesPerSecond is { } rate)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)n / rate), cancellationToken);
            }
        }
    }
}
