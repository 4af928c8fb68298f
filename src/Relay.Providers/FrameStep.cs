using System.Runtime.CompilerServices;
using Relay.Contracts;
using Relay.Contracts.Sse;

namespace Relay.Providers;

/// <summary>What reading the next SSE frame of an upstream response came to.</summary>
internal enum FrameStepKind
{
    Frame,
    End,
    IdleTimeout,
    Cancelled,
    Failed,
}

/// <summary>One step of reading the upstream: a frame, its end, a timeout, a cancellation, or a failure.</summary>
internal readonly record struct FrameStep(FrameStepKind Kind, StreamError? Error = null)
{
    public static FrameStep Frame => new(FrameStepKind.Frame);

    public static FrameStep End => new(FrameStepKind.End);

    public static FrameStep IdleTimeout => new(FrameStepKind.IdleTimeout);

    public static FrameStep Cancelled => new(FrameStepKind.Cancelled);

    /// <summary>Reads the next frame, turning every way a read can end into a step instead of an exception.</summary>
    /// <remarks>Once per upstream event, and usually waiting: the pooled builder reuses its state instead of a task per event.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<FrameStep> NextAsync<T>(IAsyncEnumerator<T> frames, IdleWatchdog watchdog, CancellationToken cancellationToken)
    {
        try
        {
            return await frames.MoveNextAsync() ? Frame : End;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Cancelled;
        }
        catch (OperationCanceledException) when (watchdog.Fired)
        {
            return IdleTimeout;
        }
        catch (StreamErrorException ex)
        {
            return new FrameStep(FrameStepKind.Failed, ex.Error);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return new FrameStep(FrameStepKind.Failed, StreamError.Create(StreamErrorCode.StreamInterrupted, "The upstream connection broke before the answer was complete."));
        }
    }
}
