job "${{.space.name}}-${{.user.username}}" {
  datacenters = ["dc1"]

  update {
    max_parallel     = 1
    min_healthy_time = "30s"
    healthy_deadline = "1m"
    auto_revert      = true
  }

  group "debian" {
    count = 1

    network {
      port "knot_port" {
        to = 3000
      }
    }

    volume "home_volume" {
      type            = "csi"
      source          = "ubuntu_${{.space.id}}_home"
      read_only       = false
      attachment_mode = "file-system"
      access_mode     = "single-node-writer"
    }

    task "debian" {
      driver = "docker"
      config {
        image = "paularlott/knot-desktop:ubuntu-22.04"

        privileged = true
        ports = ["knot_port"]
        hostname = "${{ .space.name }}"
      }

      env {
        # Define environment variables for agent
        KNOT_SERVER           = "${{.server.url}}"
        KNOT_AGENT_ENDPOINT   = "${{.server.agent_endpoint}}"
        KNOT_SPACEID          = "${{.space.id}}"
        KNOT_SSH_PORT         = "22"
        KNOT_HTTP_PORT        = "80"
        KNOT_CODE_SERVER_PORT = "49374"
        KNOT_VNC_HTTP_PORT    = "5680"
        KNOT_USER             = "${{.user.username}}"

        TZ = "${{ .user.timezone }}"
      }

      volume_mount {
        volume      = "home_volume"
        destination = "/home"
      }

      resources {
        cpu = 300
        memory = 4096
      }

      # Knot Agent Port
      service {
        name = "knot-${{.space.id}}"
        port = "knot_port"

        # knot-tui: knot's docs check `https /ping` on knot_port (3000), the agent HTTP
        # server that knot v0.10 removed: on any current knot nothing answers there and the
        # check always fails. Instead, check that KasmVNC (KNOT_VNC_HTTP_PORT) accepts TCP
        # connections, on the container's own address: nothing else in the job changes.
        check {
          name         = "alive"
          type         = "tcp"
          address_mode = "driver"
          port         = 5680
          interval     = "10s"
          timeout      = "2s"
        }
      }
    }
  }
}
