# Every input of the deployment. terraform.tfvars.example lists them all with sample values.

variable "do_token" {
  description = "DigitalOcean API token with write scope (API > Tokens in the control panel)."
  type        = string
  sensitive   = true
}

variable "name" {
  description = "Prefix of every resource name (VPC, droplets, volume, firewalls); lets two arenas share an account."
  type        = string
  default     = "rl-arena"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name: 2 to 32 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "DigitalOcean region of the VPC, the droplets and the data volume."
  type        = string
  default     = "ams3"
}

variable "main_size" {
  description = "Droplet size of the main machine (nginx, web, PostgreSQL, Redis, registry, beat and one Celery worker)."
  type        = string
  default     = "s-2vcpu-4gb"
}

variable "worker_size" {
  description = "Droplet size of each worker machine (Celery workers that build player images and run duels)."
  type        = string
  default     = "s-2vcpu-4gb"
}

variable "worker_mode" {
  description = "How the worker machines come and go: \"fixed\", worker_count droplets that Terraform makes; \"autoscale\", a DigitalOcean autoscale pool of worker_min to worker_max droplets sized by their CPU load. Either needs a Spaces bucket (spaces_bucket) for the stored files."
  type        = string
  default     = "fixed"

  validation {
    condition     = contains(["fixed", "autoscale"], var.worker_mode)
    error_message = "worker_mode: \"fixed\" (worker_count droplets) or \"autoscale\" (a pool of worker_min to worker_max droplets)."
  }
}

variable "worker_count" {
  description = "With worker_mode = \"fixed\": the number of worker machines beside the main one (0: the main machine's worker alone). Ignored by the autoscale pool."
  type        = number
  default     = 0

  validation {
    condition     = var.worker_count >= 0 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count: a whole number, 0 or more."
  }
}

variable "worker_min" {
  description = "With worker_mode = \"autoscale\": the droplets the pool always keeps, paid around the clock (DigitalOcean's pools keep at least 1)."
  type        = number
  default     = 1

  validation {
    condition     = var.worker_min >= 1 && var.worker_min <= 500 && floor(var.worker_min) == var.worker_min
    error_message = "worker_min: a whole number from 1 to 500 (DigitalOcean's limits for a pool's minimum)."
  }
}

variable "worker_max" {
  description = "With worker_mode = \"autoscale\": the most droplets the pool may have at once, the ceiling of the bill during a burst. At least worker_min."
  type        = number
  default     = 4

  validation {
    condition     = var.worker_max >= 1 && var.worker_max <= 1000 && floor(var.worker_max) == var.worker_max
    error_message = "worker_max: a whole number from 1 to 1000 (DigitalOcean's limits for a pool's maximum)."
  }
}

variable "worker_target_cpu" {
  description = "With worker_mode = \"autoscale\": the average CPU use (0.6 = 60%) the pool steers to. Above it the pool grows, below it shrinks; lower means more droplets and shorter queues."
  type        = number
  default     = 0.6

  validation {
    condition     = var.worker_target_cpu >= 0.05 && var.worker_target_cpu <= 0.95
    error_message = "worker_target_cpu: a fraction from 0.05 to 0.95 (at 1 the pool could never grow)."
  }
}

variable "worker_target_memory" {
  description = "With worker_mode = \"autoscale\": an average memory use the pool also steers to, the larger answer of the two winning; 0 leaves memory out (duels are bounded by CPU and their players' memory limits)."
  type        = number
  default     = 0

  validation {
    condition     = var.worker_target_memory == 0 || (var.worker_target_memory >= 0.05 && var.worker_target_memory <= 0.95)
    error_message = "worker_target_memory: 0 (not used) or a fraction from 0.05 to 0.95."
  }
}

variable "worker_cooldown_minutes" {
  description = "With worker_mode = \"autoscale\": the least time between two changes of the pool's size. Keep it above a new worker's first boot (packages, Docker, building the images: several minutes), or the pool adds droplets for load that the last one was about to take."
  type        = number
  default     = 10

  validation {
    condition     = var.worker_cooldown_minutes >= 1 && floor(var.worker_cooldown_minutes) == var.worker_cooldown_minutes
    error_message = "worker_cooldown_minutes: a whole number of minutes, 1 or more."
  }
}

variable "worker_concurrency" {
  description = "Celery processes on each worker machine (ARENA_WORKER_CONCURRENCY): each runs one build, validation or duel at a time, so about one per CPU of worker_size."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_concurrency >= 1 && floor(var.worker_concurrency) == var.worker_concurrency
    error_message = "worker_concurrency: a whole number, 1 or more."
  }
}

variable "ssh_key_fingerprints" {
  description = "Fingerprints (or ids) of SSH keys already added to the DigitalOcean account; they may log in as root."
  type        = list(string)

  validation {
    condition     = length(var.ssh_key_fingerprints) > 0
    error_message = "ssh_key_fingerprints: at least one key, or DigitalOcean mails a root password instead."
  }
}

variable "admin_cidrs" {
  description = "Address ranges allowed to reach SSH (port 22) on every machine, e.g. [\"203.0.113.7/32\"]."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0))])
    error_message = "admin_cidrs: one or more CIDR ranges such as 203.0.113.7/32."
  }
}

variable "domain" {
  description = "Host name of the site, e.g. arena.example.org; nginx gets a certificate for it from Let's Encrypt. Empty: plain HTTP on the main droplet's IP."
  type        = string
  default     = ""

  validation {
    condition     = var.domain == "" || can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain: a lowercase host name such as arena.example.org, or empty."
  }
}

variable "manage_dns" {
  description = "Whether Terraform writes the A record of domain in a DigitalOcean DNS zone (dns_zone). false: point the name at the main_public_ip output yourself."
  type        = bool
  default     = true
}

variable "dns_zone" {
  description = "The domain already managed in DigitalOcean's DNS (Networking > Domains) that holds the record. Empty: domain without its first label (arena.example.org gives example.org)."
  type        = string
  default     = ""
}

variable "admin_email" {
  description = "Address Let's Encrypt writes to about the certificate (certbot --email); required when domain is set."
  type        = string
  default     = ""

  validation {
    condition     = var.admin_email == "" || can(regex("^[^@\\s'\"]+@[^@\\s'\"]+\\.[^@\\s'\"]+$", var.admin_email))
    error_message = "admin_email: an e-mail address, or empty."
  }
}

variable "repository_url" {
  description = "Git URL of the arena's code that every machine clones (public, or reachable without credentials)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s'\"]+$", var.repository_url))
    error_message = "repository_url: a URL without spaces or quotes."
  }
}

variable "repository_ref" {
  description = "Branch, tag or commit of repository_url to deploy at first boot."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.repository_ref))
    error_message = "repository_ref: a branch, tag or commit name."
  }
}

variable "data_volume_size" {
  description = "Size in GiB of the block storage volume mounted at /srv/arena on the main droplet: PostgreSQL's data, Redis's queue, the stored files, the certificates, the code and .env. Docker's data root (player images, the registry's storage) stays on the droplet's own disk."
  type        = number
  default     = 50

  validation {
    condition     = var.data_volume_size >= 10
    error_message = "data_volume_size: at least 10 GiB."
  }
}

variable "spaces_bucket" {
  description = "A DigitalOcean Spaces bucket for the stored files (submissions, duel records, player logs). Empty: files stay on the main droplet's volume, which only works without worker machines (worker_mode = \"fixed\", worker_count = 0)."
  type        = string
  default     = ""
}

variable "spaces_region" {
  description = "Region of spaces_bucket. Empty: the same as region."
  type        = string
  default     = ""
}

variable "spaces_access_key" {
  description = "Access key of a Spaces key allowed to read and write spaces_bucket (API > Spaces Keys)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "spaces_secret_key" {
  description = "Secret of the Spaces key spaces_access_key."
  type        = string
  default     = ""
  sensitive   = true
}
