job "${{.space.name}}-${{.user.username}}" {
  datacenters = ["dc1"]
  namespace   = "${{.user.username}}"

  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "2m"
  }

  group "dev" {
    count = 1

    network {
      port "ssh" {
        to = 22
      }
    }

    volume "home_volume" {
      type            = "csi"
      source          = "debian_${{.space.id}}_home"
      read_only       = false
      attachment_mode = "file-system"
      access_mode     = "single-node-writer"
    }

    task "dev" {
      driver = "docker"
      config {
        image    = "paularlott/knot-debian:12"
        ports    = ["ssh"]
        hostname = "${{ .space.name }}"
      }

      env {
        KNOT_SERVER           = "${{.server.url}}"
        KNOT_AGENT_ENDPOINT   = "${{.server.agent_endpoint}}"
        KNOT_SPACEID          = "${{.space.id}}"
        KNOT_SSH_PORT         = "22"
        KNOT_CODE_SERVER_PORT = "49374"
        KNOT_USER             = "${{.user.username}}"
        TZ                    = "${{ .user.timezone }}"
      }

      volume_mount {
        volume      = "home_volume"
        destination = "/home"
      }

      resources {
        cpu    = 500
        memory = 2048
      }

      service {
        name     = "dev-${{.space.id}}"
        port     = "ssh"
        provider = "nomad"

        check {
          name     = "sshd"
          type     = "tcp"
          interval = "10s"
          timeout  = "2s"
        }
      }
    }
  }
}
