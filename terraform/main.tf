# RL Arena on DigitalOcean: a VPC, the main droplet with its data volume, worker droplets (a
# fixed pool or an autoscale pool), their firewalls and an optional DNS record. See README.md
# beside this file.

locals {
  # cloud-init installs Docker from this release's own archive (docker.io, docker-compose-v2).
  image = "ubuntu-24-04-x64"

  # The DNS zone holding the record: dns_zone, or the domain without its first label.
  domain_labels = split(".", var.domain)
  dns_zone      = var.dns_zone != "" ? var.dns_zone : join(".", slice(local.domain_labels, 1, length(local.domain_labels)))
  record_name   = var.domain == local.dns_zone ? "@" : trimsuffix(var.domain, ".${local.dns_zone}")

  spaces_region = var.spaces_region != "" ? var.spaces_region : var.region
  arena_storage = var.spaces_bucket != "" ? "s3" : "filesystem"

  # What the cloud-init templates receive; they use plain ${name} interpolation only.
  main_cloud_init = {
    repository_url    = var.repository_url
    repository_ref    = var.repository_ref
    volume_name       = digitalocean_volume.data.name
    vpc_ip_range      = digitalocean_vpc.arena.ip_range
    domain            = var.domain
    admin_email       = var.admin_email
    secret_key        = random_password.secret_key.result
    postgres_password = random_password.postgres.result
    redis_password    = random_password.redis.result
    registry_password = random_password.registry.result
    arena_storage     = local.arena_storage
    spaces_bucket     = var.spaces_bucket
    spaces_region     = local.spaces_region
    spaces_access_key = var.spaces_access_key
    spaces_secret_key = var.spaces_secret_key
  }

  worker_cloud_init = {
    repository_url     = var.repository_url
    repository_ref     = var.repository_ref
    main_private_ip    = digitalocean_droplet.main.ipv4_address_private
    worker_concurrency = var.worker_concurrency
    vpc_ip_range       = digitalocean_vpc.arena.ip_range
    secret_key         = random_password.secret_key.result
    postgres_password  = random_password.postgres.result
    redis_password     = random_password.redis.result
    registry_password  = random_password.registry.result
    arena_storage      = local.arena_storage
    spaces_bucket      = var.spaces_bucket
    spaces_region      = local.spaces_region
    spaces_access_key  = var.spaces_access_key
    spaces_secret_key  = var.spaces_secret_key
  }

  # Both kinds of worker boot from this one cloud-config: a droplet the autoscale pool adds at
  # 3 a.m. is the same machine as one `worker_count` made, and joins the arena by itself.
  worker_user_data = templatefile("${path.module}/cloud-init/worker.yaml.tftpl", local.worker_cloud_init)

  # Every worker carries these, whichever pool made it: the worker firewall finds its members
  # by tag, since the droplets an autoscale pool creates are never known to Terraform.
  worker_tags = [var.name, digitalocean_tag.worker.id]

  # Worker machines read the submissions and write the duel records through shared storage.
  shared_storage = var.spaces_bucket != "" && var.spaces_access_key != "" && var.spaces_secret_key != ""

  # Exactly one kind of pool exists: `worker_count` droplets, or one autoscale pool.
  fixed_workers   = var.worker_mode == "fixed" ? var.worker_count : 0
  autoscale_pools = var.worker_mode == "autoscale" ? 1 : 0

  anywhere = ["0.0.0.0/0", "::/0"]
}

# Secrets shared by every machine. Letters and digits only: they go into URLs, a YAML file
# and a shell script unquoted. They live in the Terraform state, so keep the state private.
resource "random_password" "secret_key" {
  length  = 50
  special = false
}

resource "random_password" "postgres" {
  length  = 32
  special = false
}

# The registry of player images asks every push and pull for it.
resource "random_password" "registry" {
  length  = 32
  special = false
}

resource "random_password" "redis" {
  length  = 32
  special = false
}

resource "digitalocean_vpc" "arena" {
  name        = "${var.name}-vpc"
  region      = var.region
  description = "RL Arena: PostgreSQL, Redis and the image registry of the main droplet are reachable only from here"
}

# What the main droplet must keep, mounted at /srv/arena: PostgreSQL's data, Redis's queue,
# the stored files, the certificates, the code and .env, so that a rebuilt droplet keeps them.
# Docker's data root (player images, the registry's storage) stays on the droplet's own disk:
# images filling it can never stop the database.
resource "digitalocean_volume" "data" {
  name                    = "${var.name}-data"
  region                  = var.region
  size                    = var.data_volume_size
  initial_filesystem_type = "ext4"
  description             = "RL Arena data, mounted at /srv/arena on the main droplet"
}

resource "digitalocean_droplet" "main" {
  name       = "${var.name}-main"
  region     = var.region
  size       = var.main_size
  image      = local.image
  vpc_uuid   = digitalocean_vpc.arena.id
  ssh_keys   = var.ssh_key_fingerprints
  monitoring = true
  # Attached at creation, so the device is there when cloud-init mounts it.
  volume_ids = [digitalocean_volume.data.id]
  user_data  = templatefile("${path.module}/cloud-init/main.yaml.tftpl", local.main_cloud_init)
  tags       = [var.name, "${var.name}-main"]

  lifecycle {
    # cloud-init runs once; a changed template or ref must not replace the machine that
    # holds the database. Upgrades are done on the machine (README.md).
    ignore_changes = [user_data]

    precondition {
      condition     = var.domain == "" || var.admin_email != ""
      error_message = "admin_email is required when domain is set: certbot registers it with Let's Encrypt."
    }
  }
}

# The tag of every worker machine. A resource rather than a name in the droplets' tags: the
# firewall that selects workers by it must find it already made.
resource "digitalocean_tag" "worker" {
  name = "${var.name}-worker"
}

# The fixed pool (worker_mode = "fixed"). Workers hold nothing of their own: a changed ref or
# a new main droplet replaces them.
resource "digitalocean_droplet" "worker" {
  count = local.fixed_workers

  name       = format("%s-worker-%d", var.name, count.index + 1)
  region     = var.region
  size       = var.worker_size
  image      = local.image
  vpc_uuid   = digitalocean_vpc.arena.id
  ssh_keys   = var.ssh_key_fingerprints
  monitoring = true
  user_data  = local.worker_user_data
  tags       = local.worker_tags

  lifecycle {
    precondition {
      condition     = local.shared_storage
      error_message = "Worker machines read the submissions and write the duel records through shared storage: set spaces_bucket, spaces_access_key and spaces_secret_key."
    }
  }
}

# The autoscale pool (worker_mode = "autoscale"): DigitalOcean keeps worker_min to worker_max
# droplets, as many as ceil(droplets * average CPU / worker_target_cpu), and changes that
# number at most once per worker_cooldown_minutes. Its droplets are the fixed pool's: same
# size, image, VPC, keys, tags and cloud-config. DEPLOY.md, "Workers: a fixed pool or an
# autoscale pool", weighs the two.
resource "digitalocean_droplet_autoscale" "worker" {
  count = local.autoscale_pools

  name = "${var.name}-workers"

  config {
    min_instances          = var.worker_min
    max_instances          = var.worker_max
    target_cpu_utilization = var.worker_target_cpu
    # 0 leaves memory out of the decision (the provider sends nothing for null).
    target_memory_utilization = var.worker_target_memory > 0 ? var.worker_target_memory : null
    cooldown_minutes          = var.worker_cooldown_minutes
  }

  droplet_template {
    size     = var.worker_size
    region   = var.region
    image    = local.image
    vpc_uuid = digitalocean_vpc.arena.id
    ssh_keys = var.ssh_key_fingerprints
    # The metrics agent (`monitoring` on a droplet): the pool scales on what it reports.
    with_droplet_agent = true
    user_data          = local.worker_user_data
    tags               = local.worker_tags
  }

  lifecycle {
    precondition {
      condition     = local.shared_storage
      error_message = "Worker machines read the submissions and write the duel records through shared storage: set spaces_bucket, spaces_access_key and spaces_secret_key."
    }

    precondition {
      condition     = var.worker_min <= var.worker_max
      error_message = "worker_min is above worker_max: the pool cannot keep more droplets than it may have. Lower worker_min or raise worker_max."
    }
  }
}

resource "digitalocean_firewall" "main" {
  name        = "${var.name}-main"
  droplet_ids = [digitalocean_droplet.main.id]

  inbound_rule {
    protocol         = "tcp"
    port_range       = "22"
    source_addresses = var.admin_cidrs
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "80"
    source_addresses = local.anywhere
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "443"
    source_addresses = local.anywhere
  }

  # PostgreSQL, Redis and the registry (plain HTTP) serve the worker machines only.
  inbound_rule {
    protocol         = "tcp"
    port_range       = "5432"
    source_addresses = [digitalocean_vpc.arena.ip_range]
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "6379"
    source_addresses = [digitalocean_vpc.arena.ip_range]
  }

  inbound_rule {
    protocol         = "tcp"
    port_range       = "5000"
    source_addresses = [digitalocean_vpc.arena.ip_range]
  }

  outbound_rule {
    protocol              = "tcp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "udp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "icmp"
    destination_addresses = local.anywhere
  }
}

# Workers serve nothing: SSH for the administrators, and outbound traffic. It holds every
# droplet with the worker tag, so the autoscale pool's droplets too, from their first boot.
resource "digitalocean_firewall" "worker" {
  name = "${var.name}-worker"
  tags = [digitalocean_tag.worker.id]

  inbound_rule {
    protocol         = "tcp"
    port_range       = "22"
    source_addresses = var.admin_cidrs
  }

  outbound_rule {
    protocol              = "tcp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "udp"
    port_range            = "1-65535"
    destination_addresses = local.anywhere
  }

  outbound_rule {
    protocol              = "icmp"
    destination_addresses = local.anywhere
  }
}

# The zone is looked up, not created: it usually holds other records (mail, the apex) that
# must outlive `terraform destroy`. Add the domain in Networking > Domains first.
data "digitalocean_domain" "zone" {
  count = var.domain == "" || !var.manage_dns ? 0 : 1
  name  = local.dns_zone
}

resource "digitalocean_record" "site" {
  count = var.domain == "" || !var.manage_dns ? 0 : 1

  domain = data.digitalocean_domain.zone[0].name
  type   = "A"
  name   = local.record_name
  value  = digitalocean_droplet.main.ipv4_address
  ttl    = 300
}
