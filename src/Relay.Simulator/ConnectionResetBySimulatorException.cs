namespace Relay.Simulator;

/// <summary>Thrown to stop an answer after the <c>reset</c> knob cut its connection.</summary>
internal sealed class ConnectionResetBySimulatorException : Exception
{
    public ConnectionResetBySimulatorException()
        : base("The simulator reset the connection as its knobs asked.")
    {
    }
}
