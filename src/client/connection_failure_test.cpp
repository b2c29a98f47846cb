// How a connection starts and fails, without a server: Options::local_address
// (connections leave from the address asked for, as a load generator spreads
// them over 127.0.0.x; a bad one fails the connection, not the process), and
// which failures are reported as the server refusing the upgrade.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "client/client.h"

namespace parley::client {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Runs io until done() or the deadline; true when done() held.
template <class Done>
bool run_until(net::io_context& io, Done done, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(10ms);
    io.restart();
  }
  return done();
}

Options options_for(std::uint16_t port, std::string local_address) {
  Options o;
  o.port = port;
  o.token = "t";
  o.auto_reconnect = false;
  o.connect_timeout = 2s;
  o.local_address = std::move(local_address);
  return o;
}

TEST(ClientLocalAddress, TheConnectionLeavesFromTheAddressAskedFor) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  tcp::socket accepted(io);
  bool got = false;
  acceptor.async_accept(accepted, [&](boost::system::error_code ec) { got = !ec; });

  Client client(io, options_for(acceptor.local_endpoint().port(), "127.0.0.7"));
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return got; }));
  EXPECT_EQ(accepted.remote_endpoint().address().to_string(), "127.0.0.7");
  client.stop();
}

TEST(ClientLocalAddress, AnAddressThatCannotBeBoundFailsTheConnectionOnly) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  for (const char* bad : {"not-an-address", "192.0.2.1"}) {  // 192.0.2.1: TEST-NET, not ours
    Client client(io, options_for(acceptor.local_endpoint().port(), bad));
    bool stopped = false;
    client.on_state([&](const StateChange& s) {
      if (s.state == State::stopped) stopped = true;
    });
    client.start();
    EXPECT_TRUE(run_until(io, [&] { return stopped; })) << bad;
  }
}

// A peer that accepts and hangs up before answering the upgrade did not
// refuse it: no "upgrade refused with HTTP ..." error (it said HTTP 500).
TEST(ClientConnectionFailure, AHangUpBeforeTheResponseIsNotAnHttpRefusal) {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  tcp::socket accepted(io);
  acceptor.async_accept(accepted, [&](boost::system::error_code ec) {
    if (!ec) accepted.close();
  });
  Client client(io, options_for(acceptor.local_endpoint().port(), ""));
  std::vector<std::string> errors;
  bool stopped = false;
  client.on_error([&](const ClientError& e) { errors.push_back(e.error.message); });
  client.on_state([&](const StateChange& s) {
    if (s.state == State::stopped) stopped = true;
  });
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return stopped; }));
  EXPECT_TRUE(errors.empty()) << errors.front();
}

}  // namespace
}  // namespace parley::client
