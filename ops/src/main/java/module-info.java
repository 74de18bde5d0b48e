/** Operations tools: load generators and benchmark drivers that talk to a running service over HTTP. */
module io.walletoutbox.ops {
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
}
